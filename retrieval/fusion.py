"""Reciprocal rank fusion (Cormack et al., 2009): robust to retrievers whose scores don't compare."""

from __future__ import annotations

from ckg.types import Hit


def reciprocal_rank_fusion(
    rankings: dict[str, list[str]], k: int, weights: dict[str, float] | None = None
) -> list[Hit]:
    """Weighted RRF: a channel's weight (default 1) scales its 1/(k + rank) contributions."""
    hits: dict[str, Hit] = {}
    for retriever, ranked in rankings.items():
        weight = (weights or {}).get(retriever, 1.0)
        for rank, chunk_id in enumerate(ranked, start=1):
            hit = hits.setdefault(chunk_id, Hit(chunk_id=chunk_id, score=0.0))
            hit.score += weight / (k + rank)
            hit.ranks[retriever] = rank
    return sorted(hits.values(), key=lambda h: (-h.score, h.chunk_id))
