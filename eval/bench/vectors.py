"""The vector index at scale: which FAISS index type for which corpus size.

First on real vectors only: every chunk vector in CKG_HOME and every evidence sentence vector
stored at ingestion (one per distinct sentence). Then corpora of 100k and 1M vectors grown from
the real chunk vectors (each a real vector plus Gaussian noise of norm ~0.5, renormalised:
clustered, though more tightly than real text — growing makes approximate indexes look worse
than they are on real vectors); queries are real questions. For each index type: build time, memory (the
serialised index), p50/p95 latency of one query for the retriever's 50 candidates, and recall@10
against exact search over the same vectors.
"""

from __future__ import annotations

import math
import time

import faiss
import numpy as np

from eval.metrics import percentiles
from eval.report import Report
from retrieval.vector_structure import EF_SEARCH, HNSW, empty_index

LIVE = "live"  # the live index's own HNSW, built by retrieval/vector_structure.py

K = 50  # candidates the retriever asks each channel for
NOISE_NORM = 0.5


def index_types(n: int) -> dict[str, tuple[str, int]]:
    """FAISS factory string and search knob (HNSW efSearch, IVF nprobe) per index compared at size n
    (IVF lists ~4*sqrt(n), as FAISS's guidelines advise). The live index's HNSW is the second."""
    lists = 1 << round(math.log2(4 * math.sqrt(n)))
    ivf = f"IVF{lists},Flat"
    return {"Flat (exact)": ("IDMap2,Flat", 0), "HNSW32, efSearch 128": ("HNSW32,Flat", 128),
            f"live index above its exact size: HNSW32, efSearch {EF_SEARCH}": (LIVE, EF_SEARCH),
            f"{ivf}, nprobe 32": (ivf, 32), f"{ivf}, nprobe 128": (ivf, 128)}


def grow(base: np.ndarray, n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picks = base[rng.integers(0, len(base), n)]
    noisy = picks + rng.normal(0, NOISE_NORM / math.sqrt(base.shape[1]), picks.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def measure(vectors: np.ndarray, queries: np.ndarray) -> dict[str, dict[str, float]]:
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    results: dict[str, dict[str, float]] = {}
    built: dict[str, tuple[faiss.Index, float]] = {}  # one build per factory, searched with each knob
    for name, (factory, knob) in index_types(len(vectors)).items():
        if factory not in built:
            built[factory] = _build(factory, vectors)
        index, build_s = built[factory]
        _tune(index, knob)
        latencies, found = [], []
        for q in queries:
            t = time.perf_counter()
            _, ids = index.search(q[None, :], K)
            latencies.append((time.perf_counter() - t) * 1000)
            found.append(ids[0][:10])
        recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
        results[name] = {"build_s": round(build_s, 1), "memory_mb": round(len(faiss.serialize_index(index)) / 1e6, 1),
                         **percentiles(latencies), "recall@10_vs_exact": round(float(recall), 4)}
    return results


def _build(factory: str, vectors: np.ndarray) -> tuple[faiss.Index, float]:
    if factory == LIVE:  # built exactly as the live index builds it
        index = empty_index(HNSW, vectors.shape[1])
    else:
        index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    started = time.perf_counter()
    if not index.is_trained:
        index.train(vectors[np.random.default_rng(1).choice(len(vectors), min(len(vectors), 100_000), False)])
    if isinstance(index, faiss.IndexIDMap2):
        index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    else:
        index.add(vectors)
    return index, time.perf_counter() - started


def _tune(index: faiss.Index, knob: int) -> None:
    """The search-time knob: HNSW's efSearch or IVF's nprobe."""
    if isinstance(index, faiss.IndexIDMap2):
        index = faiss.downcast_index(index.index)
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = knob
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = knob


def run(base: np.ndarray, queries: np.ndarray, sizes: list[int], sentences: np.ndarray | None = None
        ) -> dict[str, object]:
    faiss.omp_set_num_threads(max(1, faiss.omp_get_max_threads()))
    real = base if sentences is None or not len(sentences) else np.concatenate([base, sentences])
    return {"base_vectors": len(base), "sentence_vectors": 0 if sentences is None else len(sentences),
            "queries": len(queries), "real": measure(np.ascontiguousarray(real), queries),
            "sizes": {str(n): measure(grow(base, n), queries) for n in sizes}}


def add_to_report(report: Report, result: dict[str, object]) -> None:
    sizes = result["sizes"]
    assert isinstance(sizes, dict)
    real = result["real"]
    assert isinstance(real, dict)
    count = int(result["base_vectors"]) + int(result["sentence_vectors"])  # type: ignore[call-overload]
    report.text(f"{result['queries']} real questions; k={K} per search, recall@10 against exact search on the "
                "same vectors.")
    report.heading(f"{count:,} real vectors: {result['base_vectors']:,} chunks and "
                   f"{result['sentence_vectors']:,} distinct evidence sentences")
    report.table(real, "index")
    report.text(f"Grown from the {result['base_vectors']:,} real chunk vectors:")
    for n, rows in sizes.items():
        report.heading(f"{int(n):,} vectors")
        report.table(rows, "index")
        report.bars(f"vectors-{n}", f"{int(n):,} vectors: search latency (ms)",
                    {p: {k: v[f"{p}_ms"] for k, v in rows.items()} for p in ("p50", "p95")}, "ms")
