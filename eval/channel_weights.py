"""How much the graph channel should weigh in fusion: each channel's ranking is computed once per
query, then fused at several graph weights, all in the same run.

    CKG_HOME=... python -m eval.channel_weights --pubmedqa .../dev_questions.jsonl [--json]
    CKG_HOME=... python -m eval.channel_weights --guidelines .../ngc-dev [--field objective] [--json]

The corpus must already be ingested in CKG_HOME (``ckg ingest pubmedqa`` / ``ckg ingest guidelines``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ckg.jsonl import read_jsonl
from ckg.settings import get_settings
from eval.metrics import ranking_metrics
from retrieval.fusion import reciprocal_rank_fusion
from runtime.system import System

GRAPH_WEIGHTS = (1.0, 0.5, 0.3, 0.2, 0.1)


def queries(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(query text, gold document id) pairs."""
    if args.pubmedqa:
        return [(r["question"], f"pmid-{r['gold_pmid']}") for _, r in read_jsonl(args.pubmedqa)]
    rows = read_jsonl(args.guidelines / "index.jsonl")
    return [(r[args.field], r["id"]) for _, r in rows if r.get(args.field)]


def run(pairs: list[tuple[str, str]], depth: int = 50) -> dict[str, dict[str, float]]:
    system = System.open(get_settings())
    try:
        r = system.retriever
        per_query = [{"dense": r.dense(q, depth), "bm25": r.bm25(q, depth),
                      "graph": r.by_concepts(r.question_concepts(q), depth)} for q, _ in pairs]
        owner = system.graph.guideline_of({c for p in per_query for ranked in p.values() for c in ranked})
    finally:
        system.close()
    golds = [gold for _, gold in pairs]

    def metrics(channels: tuple[str, ...], weights: dict[str, float]) -> dict[str, float]:
        rankings = []
        for p in per_query:
            fused = reciprocal_rank_fusion({c: p[c] for c in channels}, system.retriever.rrf_k, weights)
            rankings.append(list(dict.fromkeys(owner[h.chunk_id] for h in fused if h.chunk_id in owner))[:10])
        return ranking_metrics(rankings, golds)

    results = {"dense+bm25": metrics(("dense", "bm25"), {}), "graph": metrics(("graph",), {})}
    for w in GRAPH_WEIGHTS:
        results[f"dense+bm25+graph@{w}"] = metrics(("dense", "bm25", "graph"), {"graph": w})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pubmedqa", type=Path, help="PubMedQA questions JSONL (question, gold_pmid)")
    source.add_argument("--guidelines", type=Path, help="guideline folder with index.jsonl")
    parser.add_argument("--field", default="objective", help="index.jsonl field used as the query")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pairs = queries(args)
    print(json.dumps({"queries": len(pairs), "retrievers": run(pairs)}, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
