"""The query pipeline: a question (and optionally a patient) in, a cited, checked answer out.

The CLI, the API and the evaluation suites all answer through ``QueryPipeline.ask``:

1. concepts   the clinical concepts the question names (and the patient's, with a patient key)
2. retrieve   dense + BM25 + graph channels fused, then graph expansion to the top guidelines'
              recommendation sections (``retrieval.HybridRetriever``)
3. gate       does the evidence address the question? if not, abstain now (``answering.gate``);
              which guideline answers best (``answering.guideline_order``)
4. draft      cited sentences: quoted (extractive) or written by an LLM (``answering.draft``)
5. verify     each sentence against what it cites; remove or mark what fails (``answering.checking``)
6. grades     each citation of a graded recommendation carries its grade
7. patient    the patient facts the cited evidence speaks to, and conflicts with them
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace

from answering.answer import Answer, PatientUse, QuestionConcept
from answering.checking import DraftChecker, abstention
from answering.draft import Generator
from answering.gate import Relevance, RelevanceGate
from answering.guideline_order import in_order
from answering.patient_context import PatientContext
from answering.terms import terms
from ckg.errors import InputError
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import ClinicalNLP
from ckg.types import Hit
from graph.store import GradedSpan, GraphStore
from retrieval.retriever import HybridRetriever

WORD = re.compile(r"[^\W_]")  # a letter or a digit: the API schema's pattern for a question


@dataclass
class QueryPipeline:
    graph: GraphStore
    retriever: HybridRetriever
    gate: RelevanceGate
    generator: Generator
    checker: DraftChecker
    nlp: ClinicalNLP
    top_k: int
    max_question_chars: int

    def ask(self, question: str, top_k: int | None = None, exclude_guidelines: Collection[str] = (),
            patient_key: str | None = None) -> Answer:
        """A cited, checked answer. ``exclude_guidelines`` hides documents (to measure abstention)."""
        question = self._valid(question)
        clock = _Clock()
        mentions = self.retriever.question_concepts(question)
        patient = PatientContext.load(self.graph, patient_key) if patient_key else None
        hits = self.evidence(question, top_k, exclude_guidelines, mentions,
                             patient.mentions(self.nlp) if patient else None)
        clock.lap("retrieve")
        relevance = self.gate.assess(question, hits)
        clock.lap("gate")
        if relevance.refusal is not None:
            answer = abstention(question, relevance.refusal, f"{self.checker.verifier.name}+{self.generator.name}")
        else:
            relevance = self.for_drafting(question, relevance)
            draft = self.generator.draft(question, in_order(hits, relevance.guidelines), relevance)
            clock.lap("answer")
            answer = self.checker.check(question, draft, self.generator.name)
            clock.lap("verify")
        answer.relevance = round(relevance.best, 4)
        answer.answerable = relevance.p_answerable
        self._attach_grades(answer, relevance.recommendations)
        answer.concepts = [QuestionConcept(m.concept.concept_id, m.concept.name, m.text, m.assertion)
                           for m in mentions]
        if patient:
            used, conflicts = patient.review(self.graph, [(c.n, c.chunk_id) for c in answer.citations])
            answer.patient = PatientUse(patient.patient_key, [asdict(f) for f in used], [asdict(c) for c in conflicts])
        answer.timings_ms = clock.total()
        return answer

    def evidence(
        self, question: str, top_k: int | None = None, exclude_guidelines: Collection[str] = (),
        mentions: list[Mention] | None = None, patient: list[Mention] | None = None,
    ) -> list[Hit]:
        """Fused hits plus the recommendation sections of the top guidelines (graph expansion)."""
        hits = self.retriever.retrieve(question, top_k or self.top_k, exclude_guidelines, mentions, patient=patient)
        return hits + self.retriever.expand_to_recommendations(hits)

    def for_drafting(self, question: str, relevance: Relevance) -> Relevance:
        """What drafting reads besides the scored sentences: their chunks' graded recommendations
        and the question's terms' rarity in the corpus (read only when the gate lets it answer)."""
        chunk_ids = sorted({c.hit.chunk_id for c in relevance.candidates})
        return replace(relevance, recommendations=self.graph.recommendations_of(chunk_ids),
                       rarity=self.retriever.lexical.rarity(terms(question)))

    def _valid(self, question: str) -> str:
        question = question.strip()
        if not WORD.search(question):
            raise InputError("the question is empty: it has no letters or digits")
        if len(question) > self.max_question_chars:
            raise InputError(f"the question is longer than {self.max_question_chars} characters")
        return question

    @staticmethod
    def _attach_grades(answer: Answer, graded: dict[str, list[GradedSpan]]) -> None:
        """Each citation that quotes (part of) a graded recommendation shows that grade."""
        for citation in answer.citations:
            for rec in graded.get(citation.chunk_id, []):
                if rec.char_start < citation.char_end and citation.char_start < rec.char_end:
                    citation.recommendation = {
                        "rec_id": rec.rec_id, "label": rec.label, "scheme": rec.scheme, "direction": rec.direction,
                        "strength": rec.strength, "certainty": rec.certainty,
                    }
                    break


class _Clock:
    """Milliseconds per stage, and the total."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = (now - self.last) * 1000
        self.last = now

    def total(self) -> dict[str, float]:
        return {**{k: round(v, 1) for k, v in self.stages.items()},
                "total": round((time.perf_counter() - self.started) * 1000, 1)}
