"""Wires the parts together once: graph, embedder, vector index, BM25, retriever, answerer."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from ckg.errors import InputError
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import get_nlp
from ckg.settings import Settings
from ckg.types import Document, Hit
from graph.servers import ArcadeDBServer
from graph.store import BoltGraphStore
from ingest.pipeline import Ingestor, IngestReport, reconcile
from ingest.records.pipeline import RecordIngestor, pseudonym_secret
from retrieval.answer import Answer, Answerer, PatientUse, QuestionConcept
from retrieval.claim_verifier import ClaimVerifier, SentenceVerifier
from retrieval.embeddings import Embedder, get_embedder
from retrieval.extractive import ExtractiveGenerator
from retrieval.faithfulness import ExactSpanVerifier
from retrieval.lexical import LexicalIndex
from retrieval.patient_context import PatientContext
from retrieval.retriever import HybridRetriever
from retrieval.vector_index import VectorIndex

log = logging.getLogger(__name__)


def open_graph(settings: Settings) -> BoltGraphStore:
    """The configured Neo4j, or the embedded ArcadeDB server (started on demand)."""
    g = settings.graph
    if g.uri:
        store = BoltGraphStore(g.uri, g.user, g.password.get_secret_value(), database=g.database,
                               connect_timeout_s=g.connect_timeout_s)
    else:
        info = ArcadeDBServer(settings.graph_dir).ensure_running(g.embedded_start_timeout_s)
        store = BoltGraphStore(info.uri, info.user, info.password, database=info.database,
                               connect_timeout_s=g.connect_timeout_s)
    try:
        store.ensure_schema()
    except Exception:
        store.close()
        raise
    return store


def build_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """Extractive answers are checked verbatim; free-text (LLM) answers claim by claim."""
    r, g = settings.retrieval, settings.generation
    extractive = ExtractiveGenerator(embedder, r.answer_sentences, r.abstain_below,
                                     non_evidence_sections=tuple(r.non_evidence_sections))
    if g.backend == "extractive":
        return Answerer(extractive, ExactSpanVerifier(), g.unsupported)
    from retrieval.llm.generator import LLMGenerator

    verifier = SentenceVerifier(ClaimVerifier(embedder, get_nlp()))
    return Answerer(LLMGenerator.from_settings(g, extractive), verifier, g.unsupported)


def records_ingestor(settings: Settings, graph: BoltGraphStore) -> RecordIngestor:
    secret = pseudonym_secret(settings.records.pseudonym_secret.get_secret_value(), settings.home)
    return RecordIngestor(graph, get_nlp(), secret, settings.ingest.max_file_bytes)


@dataclass
class System:
    settings: Settings
    graph: BoltGraphStore
    embedder: Embedder
    index: VectorIndex
    retriever: HybridRetriever
    answerer: Answerer

    @classmethod
    def open(cls, settings: Settings) -> System:
        graph = open_graph(settings)
        try:
            embedder = get_embedder(settings.embedding)
            index = VectorIndex.open(settings.index_dir, embedder.name, embedder.dimension)
            reconcile(graph, embedder, index)
        except Exception:
            graph.close()
            raise
        r = settings.retrieval
        retriever = HybridRetriever(
            graph, embedder, index, _lexical(index), r.candidates, r.rrf_k, r.channel_weights, get_nlp()
        )
        return cls(settings, graph, embedder, index, retriever, build_answerer(settings, embedder))

    def close(self) -> None:
        self.graph.close()

    @cached_property
    def records(self) -> RecordIngestor:
        return records_ingestor(self.settings, self.graph)

    def ingest(self, documents: list[Document], progress: bool = False) -> IngestReport:
        """Store documents in the graph and the index, then rebuild BM25 over the new chunk set."""
        ingestor = Ingestor(self.graph, self.embedder, self.index, self.settings.ingest)
        report = ingestor.ingest(documents, total=len(documents), progress=progress)
        if report.added or report.updated:
            self.retriever.refresh(_lexical(self.index))
        return report

    def ask(
        self, question: str, top_k: int | None = None, exclude_guidelines: tuple[str, ...] = (),
        patient_key: str | None = None,
    ) -> Answer:
        """A cited, checked answer; with ``patient_key``, the patient's facts join the question."""
        question = question.strip()
        if not question:
            raise InputError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise InputError(f"the question is longer than {self.settings.max_question_chars} characters")
        started = time.perf_counter()
        mentions = self.retriever.question_concepts(question)
        patient = PatientContext.load(self.graph, patient_key) if patient_key else None
        context = patient.mentions(get_nlp()) if patient else []
        hits = self.evidence(question, top_k, exclude_guidelines, mentions, context)
        retrieve_ms = (time.perf_counter() - started) * 1000
        answer = self.answerer.answer(question, hits, retrieve_ms)
        self._attach_grades(answer)
        answer.concepts = [QuestionConcept(m.concept.concept_id, m.concept.name, m.text, m.assertion) for m in mentions]
        if patient:
            used, conflicts = patient.review(self.graph, [(c.n, c.chunk_id) for c in answer.citations])
            answer.patient = PatientUse(patient.patient_key, [asdict(f) for f in used], [asdict(c) for c in conflicts])
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 1) for k, v in answer.timings_ms.items()}
        return answer

    def _attach_grades(self, answer: Answer) -> None:
        """Each citation that quotes (part of) a graded recommendation shows that grade."""
        graded = self.graph.recommendations_of([c.chunk_id for c in answer.citations]) if answer.citations else {}
        for citation in answer.citations:
            for rec in graded.get(citation.chunk_id, []):
                if rec.char_start < citation.char_end and citation.char_start < rec.char_end:
                    citation.recommendation = {
                        "rec_id": rec.rec_id, "label": rec.label, "scheme": rec.scheme, "direction": rec.direction,
                        "strength": rec.strength, "certainty": rec.certainty,
                    }
                    break

    def evidence(
        self, question: str, top_k: int | None = None, exclude_guidelines: tuple[str, ...] = (),
        mentions: list[Mention] | None = None, patient: list[Mention] | None = None,
    ) -> list[Hit]:
        """Fused hits plus the recommendation sections of the top guidelines (graph expansion)."""
        k = top_k or self.settings.retrieval.top_k
        hits = self.retriever.retrieve(question, k, exclude_guidelines, mentions, patient=patient)
        return hits + self.retriever.expand_to_recommendations(hits)

    def status(self) -> dict[str, Any]:
        counts = self.graph.counts()
        return {
            "graph": {"engine": self.graph.engine, "uri": self.graph.uri, **counts},
            "index": {"vectors": self.index.count, "model": self.index.model, "dimension": self.index.dimension,
                      "snapshot": self.index.snapshot, "path": str(self.settings.index_dir)},
            "consistent": self.index.chunk_ids() == self.graph.current_chunk_ids(),
        }


def _lexical(index: VectorIndex) -> LexicalIndex:
    entries = index.entries()
    return LexicalIndex([e.chunk_id for e in entries], [e.lexical_text for e in entries])
