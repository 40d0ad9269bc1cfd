"""Ranking metrics over document ids, one gold document per query (sentence-transformers naming).

With one gold document, hit@k and recall@k coincide; both names are reported because readers
look for either. nDCG@10 is 1/log2(rank+1) for the gold's rank (the ideal DCG is 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

KS = (1, 5, 10)


def ranking_metrics(rankings: Sequence[list[str]], golds: Sequence[str], ks: Sequence[int] = KS) -> dict[str, float]:
    n = len(golds)
    pairs = list(zip(rankings, golds, strict=True))
    ranks = [r.index(g) + 1 if g in r[:10] else None for r, g in pairs]
    metrics = {f"recall@{k}": sum(g in r[:k] for r, g in pairs) / n for k in ks}
    metrics["mrr@10"] = sum(1.0 / rank for rank in ranks if rank) / n
    metrics["ndcg@10"] = sum(1.0 / math.log2(rank + 1) for rank in ranks if rank) / n
    metrics |= {f"hit@{k}": metrics[f"recall@{k}"] for k in ks}
    return {k: round(v, 4) for k, v in metrics.items()}


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    if not values_ms:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    return {"p50_ms": round(float(np.percentile(values_ms, 50)), 1),
            "p95_ms": round(float(np.percentile(values_ms, 95)), 1)}
