"""The graph channel's ranking: chunks scored by the question's concepts they mention.

A concept that many chunks mention says little about which chunk answers ("pain"); a rare one
says a lot ("intermittent claudication"). Each concept therefore weighs its BM25-style inverse
document frequency, and a concept reached only through IS_A counts for less than one the
question names.
"""

from __future__ import annotations

import math
from collections.abc import Collection

NEIGHBOUR_WEIGHT = 0.5


def concept_weights(
    named: Collection[str], neighbours: Collection[str], chunk_counts: dict[str, int], total_chunks: int
) -> dict[str, float]:
    weights = {}
    for concept_id in {*named, *neighbours}:
        n = chunk_counts.get(concept_id, 0)
        if n:
            idf = math.log(1 + (total_chunks - n + 0.5) / (n + 0.5))
            weights[concept_id] = idf * (1.0 if concept_id in named else NEIGHBOUR_WEIGHT)
    return weights


def rank_chunks(chunk_concepts: dict[str, list[str]], weights: dict[str, float], k: int) -> list[str]:
    """Chunk ids by the summed weight of the concepts they mention, best first (ties by id)."""
    scores = {chunk: sum(weights.get(c, 0.0) for c in concepts) for chunk, concepts in chunk_concepts.items()}
    ranked = sorted((item for item in scores.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))
    return [chunk for chunk, _ in ranked[:k]]
