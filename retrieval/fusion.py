"""Reciprocal rank fusion (Cormack et al., 2009): robust to retrievers whose scores don't compare."""

from __future__ import annotations

from ckg.types import Hit


def reciprocal_rank_fusion(rankings: dict[str, list[str]], k: int = 60) -> list[Hit]:
    hits: dict[str, Hit] = {}
    for retriever, ranked in rankings.items():
        for rank, chunk_id in enumerate(ranked, start=1):
            hit = hits.setdefault(chunk_id, Hit(chunk_id=chunk_id, score=0.0))
            hit.score += 1.0 / (k + rank)
            hit.ranks[retriever] = rank
    return sorted(hits.values(), key=lambda h: (-h.score, h.chunk_id))
