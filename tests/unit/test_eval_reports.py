"""Evaluation arithmetic and the report writer (no services)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from eval.abstention import calibrate
from eval.bench.vectors import grow, index_types
from eval.metrics import ranking_metrics
from eval.report import Report


def test_ranking_metrics_match_hand_computation() -> None:
    rankings = [["a", "b"], ["x", "b", "c"], ["x", "y"]]
    metrics = ranking_metrics(rankings, ["a", "c", "b"])
    assert metrics["recall@1"] == round(1 / 3, 4)
    assert metrics["recall@5"] == round(2 / 3, 4) == metrics["hit@5"]
    assert metrics["mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert metrics["ndcg@10"] == round((1 + 1 / math.log2(4)) / 3, 4)


def test_calibration_picks_the_separating_threshold() -> None:
    threshold, balanced = calibrate(np.array([0.8, 0.9, 0.7]), np.array([0.2, 0.3, 0.75]))
    assert threshold == 0.7 and balanced == (1 + 2 / 3) / 2  # the lowest of equally good thresholds


def test_report_writes_markdown_json_and_plots(tmp_path: Path) -> None:
    report = Report("demo", "A title", "ckg eval demo")
    report.table({"ours": {"recall@1": 0.9, "n": 3}, "baseline": {"recall@1": 0.5}}, "retriever")
    report.bars("plot", "Recall", {"ours": {"recall@1": 0.9}, "baseline": {"recall@1": 0.5}})
    report.metrics["x"] = 1
    path = report.save(tmp_path)
    text = path.read_text()
    assert "| **ours** | 0.900 | 3 |" in text and "| **baseline** | 0.500 | – |" in text
    assert "![Recall](plot.png)" in text
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "metrics.json").read_text())["x"] == 1


def test_index_types_scale_ivf_lists_with_size_and_grown_vectors_stay_normalised() -> None:
    assert ("IVF1024,Flat", 128) in index_types(100_000).values()
    assert ("IVF4096,Flat", 128) in index_types(1_000_000).values()
    base = np.eye(4, dtype=np.float32)
    grown = grow(base, 50)
    assert grown.shape == (50, 4)
    assert np.allclose(np.linalg.norm(grown, axis=1), 1.0, atol=1e-5)
    assert (grown @ base.T).max(axis=1).min() > 0.5  # each stays near the real vector it grew from


def test_summary_indexes_every_report_in_suite_order(tmp_path: Path) -> None:
    from eval.summary import write

    scores = {"recall@1": 0.9, "recall@5": 1.0, "mrr@10": 0.95, "ndcg@10": 0.96, "p50_ms": 12.0, "p95_ms": 20.0}
    retrieval = {"suite": "retrieval", "command": "c", "Set": {"question": {"queries": 2, "retrievers": {
        "ours (fused)": scores, "langchain ensemble": {**scores, "recall@1": 0.5}}}}}
    rates = {"threshold": 0.6, "answerable answered": 0.8, "unanswerable abstained": 0.9, "balanced accuracy": 0.85}
    abstention = {"suite": "abstention", "command": "c", "Set": {
        "questions": 2, "roc_auc": {"similarity": 0.9}, "decisions": {"similarity threshold (configured)": rates}}}
    for name, metrics in (("z-retrieval", retrieval), ("a-abstention", abstention)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(metrics))
    text = write(tmp_path).read_text()
    assert text.index("## retrieval") < text.index("## abstention")  # suite order, not folder order
    assert "[z-retrieval/report.md](z-retrieval/report.md)" in text
    assert "| **langchain ensemble** | 0.500 | 1.000 |" in text and "| **similarity threshold (configured)** | 0.600 | 0.800 | 0.900 | 0.850 |" in text
