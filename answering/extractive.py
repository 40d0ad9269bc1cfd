"""Extractive answers: the evidence sentences that best answer the question, each cited.

No generative model is needed. Every answer sentence is a verbatim span of a retrieved chunk,
cited with its exact character span: the sentences the gate found relevant, in the order the
answer ranker puts them (recommendation statements that agree with the question first).
"""

from __future__ import annotations

from dataclasses import dataclass

from answering.draft import Cited, Draft, DraftSentence
from answering.gate import Relevance
from answering.ranking import Ranker
from ckg.types import Hit


@dataclass
class ExtractiveGenerator:
    ranker: Ranker
    max_sentences: int
    window: float  # keep sentences within this score of the best one
    name: str = "extractive"

    def draft(self, question: str, hits: list[Hit], relevance: Relevance) -> Draft:
        ranked = self.ranker.rank(question, relevance)
        if not ranked:
            return Draft([], "no retrieved evidence sentence states an answer")
        best = ranked[0].score
        chosen = [r.candidate for r in ranked[: self.max_sentences] if r.score >= best - self.window]
        return Draft([DraftSentence(c.text, (Cited(c.hit, c.start, c.end),)) for c in chosen])
