"""Review items: one (question, answer sentence, cited span) each, built from an answer or a flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from answering.answer import Answer, AnswerSentence, Citation
from ckg.hashing import sha256_text
from graph.store import ReviewItemRow
from review.labels import Label, Settlement, latest_per_reviewer, settle

ORIGIN_TRAFFIC = "traffic"
ORIGIN_FLAG = "flag"
ORIGIN_STALE = "stale"  # asked again after the guideline passage its answer cited changed


def now(precise: bool = False) -> str:
    """UTC time; ``precise`` (microseconds) orders a reviewer's quick successive judgements."""
    return datetime.now(UTC).isoformat(timespec="microseconds" if precise else "seconds")


def item_id(question: str, sentence: str, chunk_id: str, start: int, end: int) -> str:
    """The same question, sentence and cited span is one item however often it is asked."""
    return sha256_text("\x1f".join([" ".join(question.lower().split()), sentence, chunk_id, str(start), str(end)]))[:20]


def pair_key(sentence: str, chunk_id: str) -> str:
    """What a verdict is about when it changes answers: this sentence citing this chunk."""
    return sha256_text(f"{sentence}\x1f{chunk_id}")[:20]


def grade_text(recommendation: dict[str, str | None] | None) -> str | None:
    if not recommendation or not recommendation.get("label"):
        return None
    parts = [recommendation.get("direction"), recommendation.get("strength"), recommendation.get("certainty")]
    details = ", ".join(f"{v}{suffix}" for v, suffix in zip(parts, ("", " strength", " certainty"), strict=True) if v)
    scheme = recommendation.get("scheme")
    return f"{recommendation['label']} ({'; '.join(p for p in (scheme, details) if p)})"


def risk(sentence: AnswerSentence, generator: str, patient_specific: bool, origin: str) -> float:
    """Riskiest first: a clinician's flag, a thin verifier margin, free text (LLM), a patient in view."""
    score = min(max(sentence.score, 0.0), 1.0)
    value = 0.3 * (1.0 - score) + (0.3 if sentence.verdict != "supported" else 0.0)
    value += 0.2 if generator != "extractive" else 0.0
    value += 0.1 if patient_specific else 0.0
    value += 1.0 if origin == ORIGIN_FLAG else 0.0
    return round(value, 4)


def double_reviewed(item: str, share: float) -> bool:
    """A stable share of items (by id, so a re-enqueued item keeps its choice) goes to two reviewers."""
    return int(item[:8], 16) / 0xFFFFFFFF < share


def item_rows(answer: Answer, origin: str, patient_specific: bool, double_share: float,
              note: str | None = None) -> list[dict[str, Any]]:
    """The graph rows for every (sentence, citation) pair of an answer."""
    generator = answer.faithfulness.verifier.partition("+")[2] or "extractive"
    by_number = {c.n: c for c in answer.citations}
    rows = []
    for sentence in answer.sentences:
        for n in sentence.citations:
            citation = by_number[n]
            rows.append(_row(answer.question, sentence, citation, generator, patient_specific, origin, double_share,
                             note))
    return rows


def _row(question: str, sentence: AnswerSentence, citation: Citation, generator: str, patient_specific: bool,
         origin: str, double_share: float, note: str | None) -> dict[str, Any]:
    key = item_id(question, sentence.text, citation.chunk_id, citation.char_start, citation.char_end)
    if origin == ORIGIN_FLAG:  # a flag asks for a fresh look even where the same item was judged before
        key = sha256_text(f"flag\x1f{key}")[:20]
    return {
        "item_id": key, "pair_key": pair_key(sentence.text, citation.chunk_id), "question": question,
        "sentence": sentence.text, "chunk_id": citation.chunk_id, "version_id": citation.version_id,
        "char_start": citation.char_start, "char_end": citation.char_end, "quote": citation.quote,
        "grade": grade_text(citation.recommendation), "system_verdict": sentence.verdict,
        "system_score": round(sentence.score, 4), "reasons": list(sentence.reasons), "generator": generator,
        "patient_specific": patient_specific, "origin": origin,
        "risk": risk(sentence, generator, patient_specific, origin),
        "needs": 2 if double_reviewed(key, double_share) else 1, "note": note, "created": now(),
    }


@dataclass(frozen=True)
class ReviewItem:
    """An item as a reviewer sees it: what was said, what it cites, and the judgements so far."""

    item_id: str
    question: str
    sentence: str
    quote: str
    chunk_id: str
    version_id: str
    char_start: int
    char_end: int
    guideline_id: str
    title: str
    developer: str | None
    released: str | None
    grade: str | None
    system_verdict: str
    system_score: float
    reasons: list[str]
    generator: str
    patient_specific: bool
    origin: str
    risk: float
    needs: int
    note: str | None
    created: str
    reviews: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: ReviewItemRow) -> ReviewItem:
        i = row.item
        return cls(i["item_id"], i["question"], i["sentence"], i["quote"], i["chunk_id"], i["version_id"],
                   i["char_start"], i["char_end"], row.guideline_id, row.title, row.developer, row.released,
                   i.get("grade"), i["system_verdict"], i["system_score"], list(i.get("reasons") or []),
                   i["generator"], bool(i["patient_specific"]), i["origin"], i["risk"], i["needs"], i.get("note"),
                   i["created"], sorted(row.reviews, key=lambda r: str(r["at"])))

    @property
    def settlement(self) -> Settlement:
        return settle(self.needs, self.reviews)

    def current_reviews(self) -> list[dict[str, Any]]:
        return [dict(r) for r in latest_per_reviewer(self.reviews)]

    def reviewed_by(self, reviewer: str) -> bool:
        return any(r["reviewer"] == reviewer for r in self.reviews)

    def labels(self) -> list[Label]:
        return [Label(r["label"]) for r in self.current_reviews() if not r["adjudication"]]
