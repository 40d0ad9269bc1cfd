"""The five verdicts a reviewer gives, and how an item's judgements settle into one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Label(StrEnum):
    supports = "supports"
    partial = "partially_supports"
    does_not_support = "does_not_support"
    contradicts = "contradicts"
    not_relevant = "not_relevant"

    @property
    def heading(self) -> str:
        return TITLES[self]


TITLES = {
    Label.supports: "Supports",
    Label.partial: "Partially supports",
    Label.does_not_support: "Does not support",
    Label.contradicts: "Contradicts",
    Label.not_relevant: "Not relevant to the question",
}
APPROVING = {Label.supports, Label.partial}
REJECTING = {Label.does_not_support, Label.contradicts}  # the citation may not be shown as support again


class Status(StrEnum):
    open = "open"  # nobody has judged it yet
    in_review = "in_review"  # needs a second reviewer
    disputed = "disputed"  # two reviewers disagree: waits for adjudication
    settled = "settled"


@dataclass(frozen=True)
class Settlement:
    status: Status
    final: Label | None


def latest_per_reviewer(reviews: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A reviewer who judges an item again (going back to it) replaces their earlier judgement."""
    latest: dict[str, Mapping[str, Any]] = {}
    for review in sorted(reviews, key=lambda r: str(r["at"])):
        latest[str(review["reviewer"])] = review
    return list(latest.values())


def settle(needs: int, reviews: Iterable[Mapping[str, Any]]) -> Settlement:
    """An adjudicator's word is final; otherwise ``needs`` agreeing reviewers settle an item."""
    current = latest_per_reviewer(reviews)
    adjudicated = [r for r in current if r["adjudication"]]
    if adjudicated:
        return Settlement(Status.settled, Label(adjudicated[-1]["label"]))
    labels = {Label(r["label"]) for r in current}
    if len(labels) > 1:
        return Settlement(Status.disputed, None)
    if len(current) < needs:
        return Settlement(Status.in_review if current else Status.open, None)
    return Settlement(Status.settled, labels.pop())
