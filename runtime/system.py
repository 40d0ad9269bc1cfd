"""Wires the parts together once, from settings: graph, embedder, index, retriever, pipeline."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from access.audit import AuditLog
from access.credentials import Authenticator
from access.keys import ApiKeys
from access.tokens import OidcVerifier
from answering.abstention import AbstentionModel, packaged_model_path
from answering.answer import Answer
from answering.checking import DraftChecker
from answering.claim_verifier import ClaimVerifier, SentenceVerifier
from answering.draft import Generator
from answering.extractive import ExtractiveGenerator
from answering.faithfulness import ExactSpanVerifier, Verifier
from answering.gate import RelevanceGate
from answering.pipeline import QueryPipeline
from answering.ranking import AnswerRanker
from answering.reader import CrossEncoderReader
from ckg import dates
from ckg.errors import ConfigurationError, Conflict, InputError, VectorIndexError, WriterBusy
from ckg.locks import exclusive
from ckg.nlp.pipeline import get_nlp
from ckg.settings import Settings
from ckg.types import Document
from graph.servers import ArcadeDBServer
from graph.store import BoltGraphStore, GraphStore, Retirement
from ingest.pipeline import Ingestor, IngestReport, reconcile
from ingest.records import phi
from ingest.records.pipeline import RecordIngestor, pseudonym_secret
from retrieval.as_of import retriever_as_of
from retrieval.embeddings import Embedder, get_embedder
from retrieval.retriever import HybridRetriever
from retrieval.sentence_cache import CachingEmbedder
from retrieval.vector_index import VectorIndex, search_one_query_at_a_time
from review.desk import ReviewDesk
from review.items import ORIGIN_STALE
from runtime import lifecycle

log = logging.getLogger(__name__)


ANSWER_ROUTES = ("/v1/query", "/ask")  # where questions are answered: the audit trail's answer log


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
    except BaseException:
        store.close()
        raise
    return store


def open_index(settings: Settings, embedder: Embedder) -> VectorIndex:
    """The live index snapshot, for this embedder, with the configured size for exact search."""
    return VectorIndex.open(settings.index_dir, embedder.name, embedder.dimension,
                            settings.retrieval.exact_search_up_to)


def build_generator(settings: Settings, graph: GraphStore) -> Generator:
    r, g = settings.retrieval, settings.generation
    if g.backend == "extractive":
        reader = CrossEncoderReader(r.reader) if r.reader is not None else None
        return ExtractiveGenerator(AnswerRanker(get_nlp(), reader=reader), r.answer_sentences, r.answer_window)
    from answering.llm.generator import LLMGenerator  # LangChain and the model only when asked for

    return LLMGenerator.from_settings(g, r.answer_sentences)


def build_verifier(settings: Settings, embedder: Embedder) -> Verifier:
    """``auto``: a quote is checked verbatim; free text (an LLM's) claim by claim."""
    choice = settings.generation.verifier
    if choice == "auto":
        choice = "exact-span" if settings.generation.backend == "extractive" else "claim"
    if choice == "exact-span":
        return ExactSpanVerifier()
    return SentenceVerifier(ClaimVerifier(embedder, get_nlp()))


def build_pipeline(settings: Settings, graph: GraphStore, embedder: Embedder, index: VectorIndex) -> QueryPipeline:
    r = settings.retrieval
    nlp = get_nlp()
    retriever = HybridRetriever(graph, embedder, index, index.lexical(), r.candidates, r.rrf_k,
                                r.channel_weights, nlp)
    # Evidence sentences have vectors from ingestion; the few that do not are embedded once per process.
    sentences = CachingEmbedder(embedder, r.sentence_cache, index.sentences.lookup)
    gate = RelevanceGate(sentences, r.abstain_below, tuple(r.non_evidence_sections),
                         abstention_model(settings, embedder), index.quotable_spans, index.definitions)
    checker = DraftChecker(build_verifier(settings, sentences), settings.generation.unsupported)
    return QueryPipeline(graph, retriever, gate, build_generator(settings, graph), checker, nlp, r.top_k,
                         settings.max_question_chars)


def abstention_model(settings: Settings, embedder: Embedder) -> AbstentionModel | None:
    """The configured model, or the one packaged for this embedder (a model fitted with another
    embedder is refused: its probabilities would be on the wrong scale)."""
    r = settings.retrieval
    if r.abstention == "threshold":
        return None
    if r.abstention_model is not None:
        return AbstentionModel.load(r.abstention_model, embedder.name)
    try:
        return AbstentionModel.load(packaged_model_path(embedder.name), embedder.name)
    except ConfigurationError as exc:
        log.warning("abstention by similarity threshold: %s", exc)
        return None


def records_ingestor(settings: Settings, graph: GraphStore) -> RecordIngestor:
    secret = pseudonym_secret(settings.records.pseudonym_secret.get_secret_value(), settings.home)
    return RecordIngestor(graph, get_nlp(), secret, settings.ingest.max_file_bytes)


def audit_log(settings: Settings, graph: GraphStore | None) -> AuditLog:
    return AuditLog(settings.audit_path, graph, settings.api.audit_anchor_every)


def phi_categories(text: str) -> list[str]:
    """The records' PHI gate, on free text (a question, a reviewer's comment)."""
    return sorted({finding.category for finding in phi.scan({"text": text})})


def answered_questions(audit: AuditLog) -> list[dict[str, Any]]:
    """The audit trail's entries for questions answered (through the API or the Ask page)."""
    return [e for e in audit.entries()
            if e.get("route") in ANSWER_ROUTES and e.get("method") == "POST" and e.get("status") == 200]


def review_desk(settings: Settings, graph: GraphStore) -> ReviewDesk:
    return ReviewDesk(graph, settings.review, phi_categories)


def authenticator(settings: Settings, graph: GraphStore) -> Authenticator:
    return Authenticator(ApiKeys(graph), OidcVerifier.from_settings(settings.oidc))


@dataclass
class System:
    settings: Settings
    graph: GraphStore
    embedder: Embedder
    index: VectorIndex
    pipeline: QueryPipeline
    _as_of: OrderedDict[tuple[str, str | None], QueryPipeline] = field(default_factory=OrderedDict, repr=False)
    _as_of_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _snapshot_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    AS_OF_KEPT = 4  # pipelines over past dates kept in memory (an audit asks about a few dates at a time)

    @classmethod
    def open(cls, settings: Settings) -> System:
        search_one_query_at_a_time()  # this process answers questions one query at a time
        graph = open_graph(settings)
        try:
            embedder = get_embedder(settings.embedding)
            index = open_index(settings, embedder)
            system = cls(settings, graph, embedder, index, build_pipeline(settings, graph, embedder, index))
            system.reconcile()
        except BaseException:
            graph.close()
            raise
        return system

    def close(self) -> None:
        if "audit" in self.__dict__:  # anchor the audit chain where this process leaves it
            self.audit.anchor()
        self.graph.close()

    def writing(self) -> AbstractContextManager[None]:
        """The state directory's writer lock: one ingesting process at a time (WriterBusy otherwise)."""
        home = self.settings.home
        return exclusive(home / "writer.lock", wait=False, what=f"the state directory {home}")

    def reconcile(self) -> None:
        """Bring the index in line with the graph (a run that died between the two leaves them apart).

        Skipped while another process is writing: that writer saves a consistent snapshot itself,
        and meanwhile this process answers from the last one.
        """
        try:
            with self.writing():
                changed = reconcile(self.graph, self.embedder, self.index)
        except WriterBusy:
            log.info("index reconciliation skipped: another process is writing")
            return
        if changed["re_embedded"] or changed["dropped"]:
            self.pipeline.retriever.refresh(self.index.lexical())

    @cached_property
    def records(self) -> RecordIngestor:
        return records_ingestor(self.settings, self.graph)

    @cached_property
    def authenticator(self) -> Authenticator:
        return authenticator(self.settings, self.graph)

    @cached_property
    def audit(self) -> AuditLog:
        return audit_log(self.settings, self.graph)

    @cached_property
    def reviews(self) -> ReviewDesk:
        return review_desk(self.settings, self.graph)

    def answered_questions(self) -> list[dict[str, Any]]:
        return answered_questions(self.audit)

    @property
    def retriever(self) -> HybridRetriever:
        return self.pipeline.retriever

    def ingest(self, documents: list[Document], progress: bool = False, actor: str = "cli") -> IngestReport:
        """Store documents in the graph and the index, then rebuild BM25 over the new chunk set."""
        with self.writing():
            ingestor = Ingestor(self.graph, self.embedder, self.index, self.settings.ingest, actor,
                                self.settings.sentence_sections())
            report = ingestor.ingest(documents, total=len(documents), progress=progress)
        if report.added or report.updated:
            self.retriever.refresh(self.index.lexical())
        return report

    def retire(self, guideline_id: str, kind: str, actor: str, reason: str | None = None,
               by: str | None = None) -> Retirement:
        """Withdraw a guideline, or mark it superseded by another: it is never cited again and stays in
        the graph as history (with who, when and why). The index drops its chunks at once."""
        with self.writing():  # checked under the writer lock: two curators cannot both retire it
            self._check_retirable(guideline_id, by)
            retirement = Retirement(guideline_id, kind, dates.now(), actor, reason, by)
            self.pick_up_snapshot()  # a server may be behind the last ingest: build on the newest snapshot
            version = self.graph.retire(retirement)
            if version and self.index.remove_version(version):
                self.index.save()
        self.retriever.refresh(self.index.lexical())
        return retirement

    def _check_retirable(self, guideline_id: str, by: str | None) -> None:
        state = lifecycle.guideline(self.graph, guideline_id)
        if state.retired:
            raise Conflict(f"guideline {guideline_id!r} was already {state.retired} on {state.retired_at}")
        if by is None:
            return
        if by == guideline_id:
            raise InputError("a guideline cannot supersede itself")
        successor = lifecycle.guideline(self.graph, by)
        if successor.retired:
            raise Conflict(f"guideline {by!r} was itself {successor.retired} on {successor.retired_at}")

    def ask(self, question: str, top_k: int | None = None, exclude_guidelines: tuple[str, ...] = (),
            patient_key: str | None = None, as_of: str | None = None) -> Answer:
        """A cited, checked answer, with what clinician reviewers said of its citations; with
        ``patient_key``, the patient's facts join the question; with ``as_of`` (a date or an ISO
        date-time), from the guideline versions current then."""
        self.pick_up_snapshot()
        if as_of is None:
            return self.reviews.apply_to(self.pipeline.ask(question, top_k, exclude_guidelines, patient_key))
        at = dates.as_of_instant(as_of)
        answer = self._pipeline_as_of(at).ask(question, top_k, exclude_guidelines, patient_key)
        answer.as_of = at
        return self.reviews.apply_to(answer)

    def _pipeline_as_of(self, at: str) -> QueryPipeline:
        key = (at, self.index.snapshot)
        with self._as_of_lock:  # built once per date and live snapshot, however many ask at once
            if key not in self._as_of:
                self._as_of[key] = replace(self.pipeline, retriever=retriever_as_of(self.retriever, self.graph, at))
                while len(self._as_of) > self.AS_OF_KEPT:
                    self._as_of.popitem(last=False)
            self._as_of.move_to_end(key)
            return self._as_of[key]

    def pick_up_snapshot(self) -> bool:
        """If another process (an ingest) saved a newer index snapshot, answer from it from now on:
        a server keeps answering from the last complete snapshot while an ingest runs and needs no
        restart afterwards."""
        if self.index.snapshot == VectorIndex.live_snapshot(self.settings.index_dir):
            return False
        with self._snapshot_lock:
            latest = VectorIndex.live_snapshot(self.settings.index_dir)
            if latest is None or latest == self.index.snapshot:
                return False
            try:
                index = open_index(self.settings, self.embedder)
            except (VectorIndexError, OSError, RuntimeError) as exc:  # replaced again while being read
                log.warning("new index snapshot not read yet, answering from the previous one: %s", exc)
                return False
            retriever = replace(self.retriever, index=index, lexical=index.lexical())
            self.index = index
            self.pipeline.gate.stored_spans = index.quotable_spans
            self.pipeline.gate.stored_definitions = index.definitions
            if isinstance(self.pipeline.gate.embedder, CachingEmbedder):
                self.pipeline.gate.embedder.stored = index.sentences.lookup
            self.pipeline = replace(self.pipeline, retriever=retriever)
            log.info("index snapshot picked up", extra={"snapshot": index.snapshot, "vectors": index.count})
            return True

    def stale_answers(self, since: str | None = None) -> list[lifecycle.StaleAnswer]:
        return lifecycle.stale_answers(self.graph, self.answered_questions(), since)

    def review_stale(self, stale: list[lifecycle.StaleAnswer]) -> int:
        """Ask each stale question again and queue the new answer for clinician review, with a note
        saying what changed in the passages the old answer cited. Returns the items queued."""
        queued = 0
        for question in {s.question: s for s in stale}.values():
            note = "; ".join(f"{c.chunk_id}: {c.detail}" for c in question.citations)
            queued += self.reviews.enqueue(self.ask(question.question), ORIGIN_STALE, note=note)
        return queued

    def status(self) -> dict[str, Any]:
        counts = self.graph.counts()
        return {
            "graph": {"engine": self.graph.engine, "uri": self.graph.uri, **counts},
            "index": {"vectors": self.index.count, "model": self.index.model, "dimension": self.index.dimension,
                      "snapshot": self.index.snapshot, "path": str(self.settings.index_dir)},
            "consistent": self.index.chunk_ids() == self.graph.current_chunk_ids(),
        }
