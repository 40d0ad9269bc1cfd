"""Drafts: the sentences a generator proposes, each with the evidence spans it cites.

``Generator`` is the seam for answer writers: the extractive one quotes evidence, LLM ones
write free text through LangChain. A generator only ever cites the hits it was given; when it
writes nothing it says why (``declined``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from answering.gate import Relevance
from ckg.types import Hit


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
    declined: str | None = None  # why there are no sentences, when the generator chose to write none


class Generator(Protocol):
    name: str

    def draft(self, question: str, hits: list[Hit], relevance: Relevance) -> Draft:
        """Cited sentences answering ``question`` from ``hits``, which the gate found relevant."""
        ...
