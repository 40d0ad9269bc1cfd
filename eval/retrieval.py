"""Retrieval suite: does each retriever put the gold document first?

Retrievers, all in the same run on the same corpus: each of our channels alone (BM25, dense,
graph), our fused pipeline as configured, the order an answer reads guidelines in (the fused
ranking re-read by the relevance gate, ``answering.guideline_order``), and the stock LangChain ensemble
(``eval.langchain_baseline``). Reports recall@1/5/10, MRR@10, nDCG@10 and hit@k, and the
per-query latency of each retriever, for every data set given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from eval import langchain_baseline
from eval.datasets import Dataset, Query
from eval.metrics import percentiles, ranking_metrics
from eval.report import Report
from runtime.system import System

DEPTH = 10  # documents ranked per query
CHUNKS = 50  # chunks fetched per query to rank DEPTH distinct documents

Ranker = Callable[[str], list[str]]


def rankers(system: System, dataset: Dataset, cache: Path) -> dict[str, Ranker]:
    def ours(channels: tuple[str, ...] | None) -> Ranker:
        def rank(query: str) -> list[str]:
            hits = system.retriever.retrieve(query, CHUNKS, channels=channels)
            return _distinct(h.provenance.guideline_id for h in hits if h.provenance)
        return rank

    def reranked(query: str) -> list[str]:
        """The order an answer reads guidelines in: the fused top hits and their recommendation
        sections re-read by the relevance gate, then the rest of the fused ranking."""
        retriever, pipeline = system.retriever, system.pipeline
        ranked = retriever.retrieve(query, CHUNKS)
        top = ranked[: pipeline.top_k]
        read = pipeline.gate.assess(query, top + retriever.expand_to_recommendations(top)).guidelines
        return _distinct([*read, *(h.provenance.guideline_id for h in ranked if h.provenance)])

    stock = langchain_baseline.build(dataset.documents, system.embedder, cache, k=CHUNKS)

    def langchain(query: str) -> list[str]:
        return _distinct(d.metadata["document"] for d in stock.invoke(query))

    return {"bm25": ours(("bm25",)), "dense": ours(("dense",)), "graph": ours(("graph",)),
            "ours (fused)": ours(None), "ours (reranked)": reranked, "langchain ensemble": langchain}


def evaluate(system: System, dataset: Dataset, cache: Path) -> dict[str, object]:
    results: dict[str, object] = {}
    ranked = rankers(system, dataset, cache)
    for kind in dict.fromkeys(q.kind for q in dataset.queries):
        queries = [q for q in dataset.queries if q.kind == kind]
        scores = {name: _score(rank, queries) for name, rank in ranked.items()}
        results[kind] = {"queries": len(queries), "retrievers": scores}
    return results


def _score(rank: Ranker, queries: list[Query]) -> dict[str, float]:
    rank(queries[0].text)  # warm-up: the first query loads models and caches
    rankings, latencies = [], []
    for q in queries:
        started = time.perf_counter()
        rankings.append(rank(q.text))
        latencies.append((time.perf_counter() - started) * 1000)
    return {**ranking_metrics(rankings, [q.gold for q in queries]), **percentiles(latencies)}


def _distinct(ids: object) -> list[str]:
    return list(dict.fromkeys(ids))[:DEPTH]  # type: ignore[call-overload]


def add_to_report(report: Report, dataset: Dataset, results: dict[str, object]) -> None:
    report.heading(dataset.name)
    for kind, result in results.items():
        assert isinstance(result, dict)
        retrievers = result["retrievers"]
        report.text(f"**{kind}** queries: {result['queries']}; gold = the query's own document.")
        report.table(retrievers, "retriever")
        slug = f"{dataset.name.split()[0].lower()}-{kind}"
        report.bars(slug, f"{dataset.name}: {kind} → document",
                    {n: {m: r[m] for m in ("recall@1", "recall@5", "mrr@10", "ndcg@10")}
                     for n, r in retrievers.items()})
