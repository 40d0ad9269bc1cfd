"""Extractive answers: the evidence sentences that best answer the question, each cited.

No generative model is needed. Every answer sentence is a verbatim span of a retrieved chunk,
cited with its exact character span: the best sentences the relevance gate scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from answering.draft import Cited, Draft, DraftSentence
from answering.gate import Relevance
from ckg.types import Hit


@dataclass
class ExtractiveGenerator:
    max_sentences: int
    window: float  # keep sentences within this score of the best one
    name: str = "extractive"

    def draft(self, question: str, hits: list[Hit], relevance: Relevance) -> Draft:
        ranked = relevance.ranked()
        if not ranked:
            return Draft([], "no quotable evidence sentence was retrieved")
        best = ranked[0][1]
        chosen = [c for c, score in ranked[: self.max_sentences] if score >= best - self.window]
        return Draft([DraftSentence(c.text, (Cited(c.hit, c.start, c.end),)) for c in chosen])
