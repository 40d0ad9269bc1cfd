"""Ranking metrics over document ids (sentence-transformers naming: recall@k, mrr@k)."""

from __future__ import annotations

from collections.abc import Sequence

from api.system import System

CHANNEL_SETS: dict[str, tuple[str, ...]] = {
    "bm25": ("bm25",),
    "dense": ("dense",),
    "graph": ("graph",),
    "dense+bm25": ("dense", "bm25"),
    "dense+bm25+graph": ("dense", "bm25", "graph"),
}


def ranked_documents(system: System, query: str, channels: tuple[str, ...], depth: int = 10) -> list[str]:
    """Document (guideline/abstract) ids in the order their best chunk was retrieved."""
    retriever = system.retriever
    saved = retriever.channels
    retriever.channels = channels
    try:
        hits = retriever.retrieve(query, depth * 5)
    finally:
        retriever.channels = saved
    return list(dict.fromkeys(h.provenance.guideline_id for h in hits if h.provenance))[:depth]


def ranking_metrics(
    rankings: Sequence[list[str]], golds: Sequence[str], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    n = len(golds)
    metrics = {f"recall@{k}": sum(g in r[:k] for r, g in zip(rankings, golds, strict=True)) / n for k in ks}
    metrics["mrr@10"] = sum(1.0 / (r.index(g) + 1) for r, g in zip(rankings, golds, strict=True) if g in r[:10]) / n
    return {k: round(v, 4) for k, v in metrics.items()}
