"""PubMedQA evaluation: question -> abstract retrieval, latency, and abstention calibration.

    python -m eval.pubmedqa --corpus ../shared/data/pubmedqa/corpus.jsonl \
        --questions ../shared/data/pubmedqa/dev_questions.jsonl [--json]

Ingests the corpus into the configured CKG_HOME (a no-op when already there), then for each
question: recall@k / MRR@10 of the fused retriever (gold = the question's abstract), the
latency of the full answer pipeline, and the best evidence-sentence similarity twice, with
the gold abstract indexed (answerable) and hidden (unanswerable). The abstention threshold
is the one that maximises balanced accuracy between those two groups.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from api.system import System
from ckg.jsonl import read_jsonl
from ckg.settings import get_settings
from eval.metrics import CHANNEL_SETS, ranked_documents, ranking_metrics
from ingest.loaders.pubmedqa import iter_documents


def run(corpus: Path, questions_path: Path, limit: int | None) -> dict[str, object]:
    system = System.open(get_settings())
    try:
        docs = list(iter_documents(corpus))
        ingest = system.ingest(docs, progress=True).as_dict()
        questions = [row for _, row in read_jsonl(questions_path)][:limit]
        return {"ingest": {k: v for k, v in ingest.items() if k != "versions"}, **evaluate(system, questions)}
    finally:
        system.close()


def evaluate(system: System, questions: list[dict[str, object]]) -> dict[str, object]:
    latencies, answerable, unanswerable, golds = [], [], [], []
    rankings: dict[str, list[list[str]]] = {name: [] for name in CHANNEL_SETS}
    abstained_answerable = 0
    for q in questions:
        question, gold = str(q["question"]), f"pmid-{q['gold_pmid']}"
        golds.append(gold)
        started = time.perf_counter()
        answer = system.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
        abstained_answerable += answer.abstained
        for name, channels in CHANNEL_SETS.items():
            rankings[name].append(ranked_documents(system, question, channels))
        answerable.append(_best_similarity(system, question, ()))
        unanswerable.append(_best_similarity(system, question, (gold,)))
    n = len(questions)
    threshold, balanced = _calibrate(np.array(answerable), np.array(unanswerable))
    return {
        "questions": n,
        "retrievers": {name: ranking_metrics(ranked, golds) for name, ranked in rankings.items()},
        "latency_ms": {"p50": round(float(np.percentile(latencies, 50)), 1),
                       "p95": round(float(np.percentile(latencies, 95)), 1)},
        "abstention": {
            "threshold": round(threshold, 3),
            "balanced_accuracy": round(balanced, 4),
            "answerable_abstained_at_configured": round(abstained_answerable / n, 4),
            "configured_threshold": system.settings.retrieval.abstain_below,
            "answerable_best_similarity_median": round(float(np.median(answerable)), 3),
            "unanswerable_best_similarity_median": round(float(np.median(unanswerable)), 3),
        },
    }


def _best_similarity(system: System, question: str, hidden: tuple[str, ...]) -> float:
    return system.answerer.generator.draft(question, system.evidence(question, exclude_guidelines=hidden)).relevance


def _calibrate(answerable: np.ndarray, unanswerable: np.ndarray) -> tuple[float, float]:
    """Threshold maximising (TPR + TNR) / 2, answering iff best similarity >= threshold."""
    best_t, best_score = 0.0, 0.0
    for t in np.unique(np.concatenate([answerable, unanswerable])):
        score = ((answerable >= t).mean() + (unanswerable < t).mean()) / 2
        if score > best_score:
            best_t, best_score = float(t), float(score)
    return best_t, best_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.corpus, args.questions, args.limit)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
