"""Answers: a generator drafts cited sentences, a verifier checks each against what it cites.

Generators are pluggable (``Generator``): the extractive one quotes evidence; LLM ones write
free text through LangChain. Whatever drafted it, a sentence the verifier cannot support is
removed or marked (``generation.unsupported``), and when nothing supported is left the
system abstains rather than answer without evidence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ckg.types import Hit
from retrieval.faithfulness import Evidence, Verdict, Verifier, overall

ABSTAIN_MESSAGE = (
    "The indexed evidence does not address this question closely enough to answer it. "
    "No recommendation is given."
)
UNSUPPORTED_MARK = "[unsupported]"


@dataclass(frozen=True)
class Cited:
    """One piece of evidence a draft sentence cites: a retrieved hit and a span of its document."""

    hit: Hit
    start: int
    end: int


@dataclass(frozen=True)
class DraftSentence:
    text: str
    cites: tuple[Cited, ...]
    problems: tuple[str, ...] = ()  # what was wrong with the model's citations, e.g. a number not given


@dataclass(frozen=True)
class Draft:
    sentences: list[DraftSentence]
    relevance: float  # how closely the best evidence sentence addresses the question
    declined: str | None = None  # why there are no sentences, when the generator chose to write none


class Generator(Protocol):
    name: str

    def draft(self, question: str, hits: list[Hit]) -> Draft: ...


@dataclass
class Citation:
    n: int
    chunk_id: str
    guideline_id: str
    version_id: str
    title: str
    section: str
    char_start: int
    char_end: int
    quote: str
    recommendation: dict[str, str | None] | None = None  # grade of the recommendation the quote belongs to


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    verdict: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Faithfulness:
    verdict: str
    supported: int
    total: int
    verifier: str
    removed: int = 0  # unsupported sentences taken out of the answer (policy "remove")


@dataclass
class QuestionConcept:
    concept_id: str
    name: str
    text: str
    assertion: str


@dataclass
class PatientUse:
    """What a patient's record contributed to an answer."""

    patient_key: str
    facts_used: list[dict[str, Any]]  # the patient facts the cited evidence speaks to
    conflicts: list[dict[str, Any]]  # cited recommendations that exclude or advise against them


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    sentences: list[AnswerSentence]
    citations: list[Citation]
    faithfulness: Faithfulness
    timings_ms: dict[str, float]
    abstain_reason: str | None = None
    concepts: list[QuestionConcept] = field(default_factory=list)
    patient: PatientUse | None = None




@dataclass
class Answerer:
    generator: Generator
    verifier: Verifier
    unsupported: Literal["remove", "mark"] = "remove"

    def answer(self, question: str, hits: list[Hit], retrieve_ms: float) -> Answer:
        t0 = time.perf_counter()
        draft = self.generator.draft(question, hits)
        t1 = time.perf_counter()
        sentences: list[AnswerSentence] = []
        citations: dict[tuple[str, int, int], Citation] = {}
        verdicts: list[Verdict] = []
        removed = 0
        for drafted in draft.sentences:
            verdict = self.verify(drafted)
            if verdict.verdict == "unsupported" and self.unsupported == "remove":
                removed += 1
                continue
            numbers = [self._citation(citations, cited).n for cited in drafted.cites]
            verdicts.append(verdict)
            sentences.append(AnswerSentence(drafted.text, numbers, verdict.verdict, verdict.score, verdict.reasons))
        t2 = time.perf_counter()
        timings = {"retrieve": retrieve_ms, "answer": (t1 - t0) * 1000, "verify": (t2 - t1) * 1000}
        verifier = f"{self.verifier.name}+{self.generator.name}"
        if not any(v.verdict != "unsupported" for v in verdicts):
            reason = self._abstain_reason(hits, draft)
            return Answer(question, ABSTAIN_MESSAGE, True, [], [], Faithfulness("supported", 0, 0, verifier, removed),
                          timings, reason)
        faith = Faithfulness(overall(verdicts), sum(v.verdict == "supported" for v in verdicts), len(verdicts),
                             verifier, removed)
        return Answer(question, _render(sentences), False, sentences, list(citations.values()), faith, timings)

    def verify(self, draft: DraftSentence) -> Verdict:
        if draft.problems or not draft.cites:
            return Verdict("unsupported", 0.0, list(draft.problems) or ["cites no evidence"])
        evidence = []
        for cited in draft.cites:
            prov = cited.hit.provenance
            assert prov is not None
            evidence.append(Evidence(prov.chunk_id, prov.text, prov.char_start, cited.start, cited.end))
        return self.verifier.verify(draft.text, evidence)

    @staticmethod
    def _citation(citations: dict[tuple[str, int, int], Citation], cited: Cited) -> Citation:
        prov = cited.hit.provenance
        assert prov is not None
        key = (prov.chunk_id, cited.start, cited.end)
        if key not in citations:
            quote = prov.text[cited.start - prov.char_start : cited.end - prov.char_start]
            citations[key] = Citation(len(citations) + 1, prov.chunk_id, prov.guideline_id, prov.version_id,
                                      prov.title, prov.section, cited.start, cited.end, quote)
        return citations[key]

    @staticmethod
    def _abstain_reason(hits: list[Hit], draft: Draft) -> str:
        if not hits:
            return "no evidence retrieved"
        if draft.sentences:
            return "no answer sentence is supported by the evidence it cites"
        return draft.declined or "the generator wrote no answer"


def _render(sentences: list[AnswerSentence]) -> str:
    parts = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        flag = f" {UNSUPPORTED_MARK}" if s.verdict == "unsupported" else ""
        parts.append(f"{s.text} {marks}{flag}".strip())
    return " ".join(parts)
