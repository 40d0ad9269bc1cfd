"""Extractive answers: the evidence sentences that best answer the question, each cited.

No generative model is needed. Every answer sentence is a verbatim span of a retrieved chunk,
cited with its guideline, version, section and exact character span. When no sentence is
close enough to the question the system abstains instead of answering.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from ckg.text import sentence_spans
from ckg.types import Hit
from retrieval.embeddings import Embedder
from retrieval.faithfulness import Evidence, Verdict, Verifier, overall

ABSTAIN_MESSAGE = (
    "The indexed evidence does not address this question closely enough to answer it. "
    "No recommendation is given."
)
_WORD = re.compile(r"[A-Za-z0-9]+")
# Statements that recommend, advise against or weigh evidence: what a specialist asks for.
_RECOMMENDING = re.compile(
    r"\b(recommends?|recommended|recommendation|should|concludes?|suggests?|advises?|offer|consider"
    r"|insufficient evidence|evidence is insufficient|grade [a-d]\b)", re.IGNORECASE,
)
RECOMMENDING_BONUS = 0.05
MIN_SENTENCE_WORDS = 5


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


@dataclass
class QuestionConcept:
    concept_id: str
    name: str
    text: str
    assertion: str


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

    def _quotable(self, section: str) -> bool:
        lowered = section.lower()
        return not any(pattern in lowered for pattern in self.non_evidence_sections)

    def candidates(self, hits: list[Hit]) -> list[Candidate]:
        found: list[Candidate] = []
        seen: set[str] = set()
        for hit in hits:
            prov = hit.provenance
            assert prov is not None
            if not self._quotable(prov.section):
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

    def draft(self, question: str, hits: list[Hit]) -> tuple[list[tuple[str, Candidate]], float]:
        """Best sentences (best first) and the best score, which decides abstention."""
        pool, scores = self.scored(question, hits)
        if not pool:
            return [], 0.0
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        if best < self.abstain_below:
            return [], best
        chosen = [pool[i] for i in order[: self.max_sentences] if scores[i] >= best - self.window]
        return [(c.text, c) for c in chosen], best


@dataclass
class Answerer:
    generator: ExtractiveGenerator
    verifier: Verifier

    def answer(self, question: str, hits: list[Hit], retrieve_ms: float) -> Answer:
        t0 = time.perf_counter()
        drafted, best = self.generator.draft(question, hits)
        t1 = time.perf_counter()
        sentences: list[AnswerSentence] = []
        citations: list[Citation] = []
        verdicts: list[Verdict] = []
        for text, cand in drafted:
            prov = cand.hit.provenance
            assert prov is not None
            citation = Citation(len(citations) + 1, prov.chunk_id, prov.guideline_id, prov.version_id,
                                prov.title, prov.section, cand.start, cand.end, cand.text)
            verdict = self.verifier.verify(
                text, [Evidence(prov.chunk_id, prov.text, prov.char_start, cand.start, cand.end)]
            )
            if verdict.verdict == "unsupported":
                continue  # never let an unsupported sentence through
            citations.append(citation)
            verdicts.append(verdict)
            sentences.append(AnswerSentence(text, [citation.n], verdict.verdict, verdict.score, verdict.reasons))
        t2 = time.perf_counter()
        timings = {"retrieve": retrieve_ms, "answer": (t1 - t0) * 1000, "verify": (t2 - t1) * 1000}
        if not sentences:
            reason = f"best evidence similarity {best:.2f} is below the threshold" if hits else "no evidence retrieved"
            return Answer(question, ABSTAIN_MESSAGE, True, [], [], Faithfulness("supported", 0, 0, self.verifier.name),
                          timings, reason)
        text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
        faith = Faithfulness(overall(verdicts), sum(v.verdict == "supported" for v in verdicts), len(verdicts),
                             self.verifier.name)
        return Answer(question, text, False, sentences, citations, faith, timings)
