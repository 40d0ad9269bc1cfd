"""The relevance gate: does the retrieved evidence address the question closely enough to answer?

Every answer path passes through it before anything is drafted, so a refused question costs no
model call. It splits the quotable evidence into sentences, scores each against the question
(cosine — with the abbreviations the guideline defines spelled out — plus a small bonus for
statements that recommend or weigh evidence) and decides with the fitted abstention model
(``answering.abstention``), or, without one, refuses when even the best sentence scores below a
calibrated threshold. The scored sentences are handed on: the extractive generator quotes the
best of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from answering.abstention import AbstentionModel, Signals, signals, why_not
from answering.guideline_order import guideline_order
from ckg.nlp.abbreviations import definitions, expand
from ckg.text import is_quotable_section, quotable_sentences
from ckg.types import Hit
from graph.store import GradedSpan
from retrieval.embeddings import Embedder

# Statements that recommend, advise against or weigh evidence: what a specialist asks for.
_RECOMMENDING = re.compile(
    r"\b(recommends?|recommended|recommendation|should|concludes?|suggests?|advises?|offer|consider"
    r"|insufficient evidence|evidence is insufficient|grade [a-d]\b)", re.IGNORECASE,
)
RECOMMENDING_BONUS = 0.05


@dataclass(frozen=True)
class Candidate:
    """One evidence sentence that could be quoted: its hit and its span in the document."""

    hit: Hit
    start: int  # document offsets
    end: int
    text: str  # verbatim: what an answer quotes
    reading: str = ""  # as scored: the guideline's abbreviations spelled out ("TDM" -> "therapeutic drug monitoring")

    @property
    def scored_text(self) -> str:
        return self.reading or self.text


@dataclass(frozen=True)
class Relevance:
    """The gate's finding: candidate sentences, their scores, and why to refuse (None: answer)."""

    candidates: list[Candidate]
    scores: np.ndarray
    refusal: str | None
    # The graded recommendations in the candidates' chunks: read once by the pipeline when it
    # answers, for the answer ranking and for the grades on the citations.
    recommendations: dict[str, list[GradedSpan]] = field(default_factory=dict)
    signals: Signals | None = None  # what the decision to answer rested on
    p_answerable: float | None = None  # the abstention model's probability, when one is configured
    # The question's terms' rarity in the whole corpus (term -> IDF): read by the pipeline when it
    # answers, for the answer ranking ("keep" says less than "rings" whatever the candidates).
    rarity: dict[str, float] = field(default_factory=dict)
    # The retrieved guidelines, best first by fused score and best sentence (``answering.guideline_order``).
    guidelines: list[str] = field(default_factory=list)

    @property
    def best(self) -> float:
        return float(self.scores.max()) if len(self.scores) else 0.0

    def order(self) -> list[int]:
        """Candidate indices, best score first."""
        return [int(i) for i in np.argsort(-self.scores, kind="stable")]

    def ranked(self) -> list[tuple[Candidate, float]]:
        """Candidates best first."""
        return [(self.candidates[i], float(self.scores[i])) for i in self.order()]


@dataclass
class RelevanceGate:
    embedder: Embedder
    abstain_below: float  # without a model: refuse when the best sentence scores below this
    non_evidence_sections: tuple[str, ...]
    model: AbstentionModel | None = None
    # A chunk's quotable sentences as split at ingestion (None: not stored, split them now).
    stored_spans: Callable[[str], list[tuple[int, int]] | None] | None = None
    # The abbreviations a guideline version defines anywhere, as stored at ingestion (None: not
    # stored, read those the retrieved passages define).
    stored_definitions: Callable[[str], dict[str, str] | None] | None = None

    def quotable(self, section: str) -> bool:
        return is_quotable_section(section, self.non_evidence_sections)

    def candidates(self, hits: list[Hit], abbreviations: dict[str, dict[str, str]]) -> list[Candidate]:
        """Quotable sentences; ``abbreviations`` (per guideline) spell out the short forms they score with."""
        found: list[Candidate] = []
        seen: set[str] = set()
        for hit in hits:
            prov = hit.provenance
            assert prov is not None
            if not self.quotable(prov.section):
                continue
            for offset, text in self._sentences(hit.chunk_id, prov.text, prov.title):
                if (key := text.lower()) not in seen:
                    seen.add(key)
                    start = prov.char_start + offset
                    reading = expand(text, abbreviations.get(prov.guideline_id, {}))
                    found.append(Candidate(hit, start, start + len(text), text, reading))
        return found

    def _sentences(self, chunk_id: str, text: str, title: str) -> Sequence[tuple[int, str]]:
        """As split at ingestion when stored (no sentence splitter per question), else split now."""
        spans = self.stored_spans(chunk_id) if self.stored_spans else None
        if spans is None:
            return quotable_sentences(text, title)
        return [(start, text[start:end]) for start, end in spans]

    def _abbreviations(self, hits: list[Hit]) -> dict[str, dict[str, str]]:
        """Per guideline, the abbreviations it defines: all of them when stored at ingestion (the
        readings whose vectors were stored then), else those its retrieved passages define."""
        found: dict[str, dict[str, str]] = {}
        texts: dict[str, list[str]] = {}
        for hit in hits:
            prov = hit.provenance
            if prov is None or prov.guideline_id in found:
                continue
            stored = self.stored_definitions(prov.version_id) if self.stored_definitions else None
            if stored is not None:
                found[prov.guideline_id] = stored
            else:
                texts.setdefault(prov.guideline_id, []).append(prov.text)
        return {**{guideline: definitions(passages) for guideline, passages in texts.items()}, **found}

    def assess(self, question: str, hits: list[Hit]) -> Relevance:
        abbreviations = self._abbreviations(hits)
        pool = self.candidates(hits, abbreviations)
        if not pool:
            return Relevance([], np.zeros(0, dtype=np.float32), "no quotable evidence sentence was retrieved")
        defined = {short: long for found in abbreviations.values() for short, long in found.items()}
        vectors = self.embedder.embed([expand(question, defined)] + [c.scored_text for c in pool])
        scores = vectors[1:] @ vectors[0]
        scores += np.array([RECOMMENDING_BONUS if _RECOMMENDING.search(c.text) else 0.0 for c in pool])
        sentence_guidelines = [c.hit.provenance.guideline_id if c.hit.provenance else "" for c in pool]
        found = signals(question, [c.scored_text for c in pool], scores, sentence_guidelines, _guideline_ranks(hits))
        order = guideline_order(hits, sentence_guidelines, scores)
        if self.model is not None:
            p = self.model.probability(found)
            refusal = why_not(found) if p < self.model.threshold else None
            return Relevance(pool, scores, refusal, signals=found, p_answerable=round(p, 4), guidelines=order)
        refusal = None
        if float(scores.max()) < self.abstain_below:
            refusal = f"best evidence similarity {scores.max():.2f} is below the threshold {self.abstain_below:.2f}"
        return Relevance(pool, scores, refusal, signals=found, guidelines=order)


def _guideline_ranks(hits: list[Hit]) -> dict[str, int]:
    """The best rank, in each retrieval channel, of any retrieved passage of the fused top guideline."""
    top = hits[0].provenance.guideline_id if hits[0].provenance else None
    ranks: dict[str, int] = {}
    for hit in hits:
        if hit.provenance is not None and hit.provenance.guideline_id == top:
            for channel, rank in hit.ranks.items():
                ranks[channel] = min(ranks.get(channel, rank), rank)
    return ranks
