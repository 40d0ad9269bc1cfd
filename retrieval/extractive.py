"""Extractive answers: the evidence sentences that best answer the question, each cited.

No generative model is needed. Every answer sentence is a verbatim span of a retrieved chunk,
cited with its exact character span. When no sentence is close enough to the question the
generator returns nothing and the system abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ckg.text import sentence_spans
from ckg.types import Hit
from retrieval.answer import Cited, Draft, DraftSentence
from retrieval.embeddings import Embedder

_WORD = re.compile(r"[A-Za-z0-9]+")
# Statements that recommend, advise against or weigh evidence: what a specialist asks for.
_RECOMMENDING = re.compile(
    r"\b(recommends?|recommended|recommendation|should|concludes?|suggests?|advises?|offer|consider"
    r"|insufficient evidence|evidence is insufficient|grade [a-d]\b)", re.IGNORECASE,
)
RECOMMENDING_BONUS = 0.05
MIN_SENTENCE_WORDS = 5


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    start: int  # document offsets
    end: int
    text: str


@dataclass
class ExtractiveGenerator:
    embedder: Embedder
    max_sentences: int = 3
    abstain_below: float = 0.45
    window: float = 0.12  # keep sentences within this cosine of the best one
    non_evidence_sections: tuple[str, ...] = ()
    name: str = "extractive"

    def quotable(self, section: str) -> bool:
        lowered = section.lower()
        return not any(pattern in lowered for pattern in self.non_evidence_sections)

    def candidates(self, hits: list[Hit]) -> list[Candidate]:
        found: list[Candidate] = []
        seen: set[str] = set()
        for hit in hits:
            prov = hit.provenance
            assert prov is not None
            if not self.quotable(prov.section):
                continue
            title = prov.title.lower().rstrip(".")
            offset = 0
            for line in prov.text.split("\n"):
                for a, b in sentence_spans(line):
                    text = line[a:b]
                    key = text.lower()
                    if key.rstrip(".") == title:
                        continue  # the title restated is not an answer
                    if len(_WORD.findall(text)) >= MIN_SENTENCE_WORDS and key not in seen:
                        seen.add(key)
                        start = prov.char_start + offset + a
                        found.append(Candidate(hit, start, start + len(text), text))
                offset += len(line) + 1
        return found

    def scored(self, question: str, hits: list[Hit]) -> tuple[list[Candidate], np.ndarray]:
        """Candidate sentences and their scores: cosine to the question, plus a small bonus
        for statements that recommend or weigh evidence."""
        pool = self.candidates(hits)
        if not pool:
            return [], np.zeros(0, dtype=np.float32)
        vectors = self.embedder.embed([question] + [c.text for c in pool])
        scores = vectors[1:] @ vectors[0]
        scores += np.array([RECOMMENDING_BONUS if _RECOMMENDING.search(c.text) else 0.0 for c in pool])
        return pool, scores

    def relevance(self, question: str, hits: list[Hit]) -> float:
        """How closely the best evidence sentence addresses the question (decides abstention)."""
        _, scores = self.scored(question, hits)
        return float(scores.max()) if len(scores) else 0.0

    def too_far(self, best: float) -> str | None:
        """Why to abstain when the best evidence sentence scores ``best``; None to answer."""
        if best < self.abstain_below:
            return f"best evidence similarity {best:.2f} is below the threshold {self.abstain_below:.2f}"
        return None

    def draft(self, question: str, hits: list[Hit]) -> Draft:
        """The best sentences, best first, unless even the best is too far from the question."""
        pool, scores = self.scored(question, hits)
        if not pool:
            return Draft([], 0.0, "no quotable evidence sentence was retrieved")
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        if reason := self.too_far(best):
            return Draft([], best, reason)
        chosen = [pool[i] for i in order[: self.max_sentences] if scores[i] >= best - self.window]
        return Draft([DraftSentence(c.text, (Cited(c.hit, c.start, c.end),)) for c in chosen], best)
