"""Which guideline answers best: the fused ranking re-read with the relevance gate's sentence scores.

Reciprocal-rank fusion decides which passages are read, from ranks alone; the gate then scores
every quotable sentence of them against the question. A guideline whose own sentence answers the
question closely rises above one that fusion ranked a little higher on its passages as a whole.
Each guideline scores its best fused score (as a share of the best guideline's) plus
SENTENCE_WEIGHT times its best sentence's score: an answer leads with, and an LLM reads first, the
guideline first in that order. ``ckg eval retrieval`` reports it beside each channel ("ours
(reranked)"): on PubMedQA it puts the gold abstract first more often than the best channel alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ckg.types import Hit

SENTENCE_WEIGHT = 0.5


def guideline_order(hits: Sequence[Hit], sentence_guidelines: Sequence[str], scores: np.ndarray,
                    weight: float = SENTENCE_WEIGHT) -> list[str]:
    """The guidelines of ``hits`` (fused order), best first; ``sentence_guidelines[i]`` is the
    guideline of the sentence scored ``scores[i]``."""
    fused: dict[str, float] = {}
    for hit in hits:
        if hit.provenance is not None:
            guideline = hit.provenance.guideline_id
            fused[guideline] = max(fused.get(guideline, 0.0), hit.score)
    if not fused:
        return []
    best: dict[str, float] = {}
    for guideline, score in zip(sentence_guidelines, scores, strict=True):
        best[guideline] = max(best.get(guideline, 0.0), float(score))
    top = max(fused.values()) or 1.0
    combined = {g: fused[g] / top + weight * best.get(g, 0.0) for g in fused}
    return sorted(fused, key=lambda g: -combined[g])  # stable: ties keep the fused order


def in_order(hits: Sequence[Hit], guidelines: Sequence[str]) -> list[Hit]:
    """The hits regrouped by ``guidelines`` order, each guideline's in their fused order."""
    place = {g: i for i, g in enumerate(guidelines)}
    return sorted(hits, key=lambda h: place.get(h.provenance.guideline_id if h.provenance else "", len(place)))
