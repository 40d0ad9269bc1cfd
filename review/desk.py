"""The review desk: fills the queue, hands out the next item, records judgements, and lets the
settled verdicts change the answers the API gives."""

from __future__ import annotations

import logging
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from answering.answer import Answer, AnswerSentence, Citation, Faithfulness, ReviewRecord
from answering.checking import abstention, render
from ckg.errors import Conflict, InputError, NotFound
from ckg.settings import ReviewSettings
from graph.store import GraphStore
from review.attribution import Attribution, By, attribute
from review.items import ORIGIN_FLAG, ReviewItem, item_rows, now, pair_key
from review.labels import REJECTING, Label, Status
from review.passages import passage

log = logging.getLogger(__name__)
QUEUE_WINDOW = 200  # candidates read per request: enough to skip what this reviewer has already judged

PhiCheck = Callable[[str], list[str]]  # free text -> the Safe Harbor identifier categories it carries


@dataclass(frozen=True)
class Flag:
    """A clinician's "this citation looks wrong" from the Ask page."""

    question: str
    sentence: str
    chunk_id: str
    char_start: int
    char_end: int
    note: str | None = None
    verdict: str = "supported"
    score: float = 1.0
    patient_specific: bool = False


class ReviewDesk:
    def __init__(self, graph: GraphStore, settings: ReviewSettings, phi_categories: PhiCheck,
                 chance: Callable[[], float] = random.random) -> None:
        self.graph = graph
        self.settings = settings
        self.phi_categories = phi_categories
        self.chance = chance

    # -- filling the queue ------------------------------------------------------------------
    def sampled(self) -> bool:
        return self.chance() < self.settings.sample_rate

    def enqueue(self, answer: Answer, origin: str, patient_specific: bool = False, note: str | None = None) -> int:
        """Queue every (sentence, citation) of an answer; a question carrying PHI is never queued."""
        if answer.abstained or not answer.sentences:
            return 0
        if found := self.phi_categories(answer.question):
            log.warning("answer not queued for review: its question carries %s", ", ".join(found))
            return 0
        rows = item_rows(answer, origin, patient_specific, self.settings.double_share, note)
        return self.graph.save_review_items(rows)

    def flag(self, flag: Flag) -> ReviewItem:
        """Queue one citation a clinician flagged, first in line; its span must lie in the cited chunk."""
        self.refuse_phi("question", flag.question)
        note = self.free_text("note", flag.note)
        cited = passage(self.graph, flag.chunk_id, flag.char_start, flag.char_end)
        citation = Citation(1, flag.chunk_id, cited.guideline_id, cited.version_id, cited.title, cited.section,
                            flag.char_start, flag.char_end, cited.quote)
        sentence = AnswerSentence(flag.sentence, [1], flag.verdict, flag.score, ["flagged by a clinician"])
        faith = Faithfulness(flag.verdict, 1, 1, "flag+clinician")
        answer = Answer(flag.question, flag.sentence, False, [sentence], [citation], faith, {})
        [row] = item_rows(answer, ORIGIN_FLAG, flag.patient_specific, self.settings.double_share, note)
        self.graph.save_review_items([row])
        return self.item(row["item_id"])

    def free_text(self, field: str, text: str | None) -> str | None:
        """A reviewer's comment or a clinician's note: short enough, and free of PHI."""
        if text and len(text) > self.settings.max_comment_chars:
            raise InputError(f"{field}: over {self.settings.max_comment_chars} characters")
        self.refuse_phi(field, text)
        return text or None

    def refuse_phi(self, field: str, text: str | None) -> None:
        if text and (found := self.phi_categories(text)):
            raise InputError(f"{field}: carries HIPAA Safe Harbor identifiers ({', '.join(found)}); nothing stored. "
                             "Reviews must not identify a patient.")

    # -- reviewing ----------------------------------------------------------------------------
    def item(self, item_id: str) -> ReviewItem:
        rows = self.graph.review_items([item_id])
        if not rows:
            raise NotFound(f"no review item {item_id!r}")
        return ReviewItem.from_row(rows[0])

    def next_item(self, reviewer: str, adjudicate: bool = False, skip: Collection[str] = ()) -> ReviewItem | None:
        """Riskiest, then newest, of the items this reviewer has not judged (nor skipped); for
        adjudication, the disputed ones that this reviewer was not party to."""
        statuses = [Status.disputed] if adjudicate else [Status.open, Status.in_review]
        for row in self.graph.review_queue([s.value for s in statuses], QUEUE_WINDOW):
            item = ReviewItem.from_row(row)
            if item.settlement.status in statuses and not item.reviewed_by(reviewer) and item.item_id not in skip:
                return item
        return None

    def judge(self, item_id: str, reviewer: str, role: str, label: Label, comment: str | None, seconds: float,
              adjudicate: bool = False) -> ReviewItem:
        """Record one judgement (a reviewer going back replaces their own), then settle the item."""
        item = self.item(item_id)
        if adjudicate and item.settlement.status != Status.disputed:
            raise Conflict(f"item {item_id} is not disputed: nothing to adjudicate")
        if adjudicate and item.reviewed_by(reviewer):
            raise Conflict(f"item {item_id}: a reviewer of the dispute cannot adjudicate it")
        review = {"review_id": uuid.uuid4().hex, "label": label.value, "comment": self.free_text("comment", comment),
                  "seconds": round(max(seconds, 0.0), 1), "at": now(precise=True), "reviewer": reviewer, "role": role,
                  "adjudication": adjudicate}
        if not self.graph.add_review(item_id, review):
            raise NotFound(f"no review item {item_id!r}")
        judged = replace(item, reviews=[*item.reviews, review])
        settlement = judged.settlement
        final = settlement.final.value if settlement.final else None
        self.graph.set_review_status(item_id, settlement.status.value, final)
        return judged

    def items(self) -> list[ReviewItem]:
        return [ReviewItem.from_row(r) for r in self.graph.all_review_items()]

    def attribution(self, by: By, answers: list[dict[str, Any]], since: str | None = None,
                    until: str | None = None) -> list[Attribution]:
        """Per guideline or developer; ``answers`` are the audit trail's answered questions."""
        items = self.items()
        versions = {c.split("#", 1)[0] for e in answers for c in e.get("touched", {}).get("chunks", [])}
        owners = self.graph.version_owners(sorted(versions | {i.version_id for i in items}))
        return attribute(by, answers, owners, items, since, until)

    # -- what verdicts change ----------------------------------------------------------------
    def apply_to(self, answer: Answer) -> Answer:
        """Each citation gets its review record; a citation whose settled verdict for a sentence is
        "does not support" or "contradicts" no longer supports that sentence (nor, alone, the answer)."""
        if answer.abstained or not answer.citations:
            return answer
        by_number = {c.n: c for c in answer.citations}
        keys = {pair_key(s.text, by_number[n].chunk_id): (s.text, n) for s in answer.sentences for n in s.citations}
        items = [ReviewItem.from_row(r) for r in self.graph.reviews_of_pairs(list(keys))]
        if not items:
            return answer
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        rejected: set[tuple[str, int]] = set()
        for item in items:
            sentence, n = keys[pair_key(item.sentence, item.chunk_id)]
            counts[n].update(label.value for label in item.labels())
            if item.settlement.final in REJECTING:
                rejected.add((sentence, n))
        withdrawn = {n for _, n in rejected}
        for n, labels in counts.items():
            if not labels:  # queued, not judged yet
                continue
            by_number[n].review = ReviewRecord(sum(labels.values()), dict(labels), n in withdrawn)
        return _without(answer, rejected) if rejected else answer


def _without(answer: Answer, rejected: set[tuple[str, int]]) -> Answer:
    kept: list[AnswerSentence] = []
    for s in answer.sentences:
        cites = [n for n in s.citations if (s.text, n) not in rejected]
        if cites:
            kept.append(replace(s, citations=cites))
    removed = len(answer.sentences) - len(kept)
    faith = replace(answer.faithfulness, removed=answer.faithfulness.removed + removed,
                    total=answer.faithfulness.total - removed,
                    supported=sum(s.verdict == "supported" for s in kept))
    if not kept:
        reason = "clinician reviewers judged that the evidence cited for this answer does not support it"
        return replace(abstention(answer.question, reason, faith.verifier, faith.removed), timings_ms=answer.timings_ms)
    used = {n for s in kept for n in s.citations}
    return replace(answer, answer=render(kept), sentences=kept, faithfulness=faith,
                   citations=[c for c in answer.citations if c.n in used])

