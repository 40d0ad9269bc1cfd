"""What a question gets back: cited sentences with verdicts, citations with full provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ABSTAIN_MESSAGE = (
    "The indexed evidence does not address this question closely enough to answer it. "
    "No recommendation is given."
)
UNSUPPORTED_MARK = "[unsupported]"


@dataclass
class ReviewRecord:
    """What clinician reviewers said about a citation in this answer."""

    reviewed: int  # judgements of this citation for the sentences that cite it
    labels: dict[str, int]  # label -> how many
    withdrawn: bool = False  # settled as "does not support" / "contradicts" for a sentence: not shown as its support


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
    review: ReviewRecord | None = None


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
    relevance: float = 0.0  # how closely the best evidence sentence addresses the question (the gate's score)
    answerable: float | None = None  # the abstention model's P(the evidence answers the question)
    concepts: list[QuestionConcept] = field(default_factory=list)
    patient: PatientUse | None = None
    as_of: str | None = None  # answered from the guideline versions current at this instant (UTC)
