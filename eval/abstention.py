"""Abstention suite: the system should answer what the corpus can answer, and only that.

Each PubMedQA question is asked twice: with its own abstract in the index (answerable: it
should answer) and with that abstract hidden (unanswerable: the rest of the corpus is about
other studies, so it should abstain). Reports both rates, balanced accuracy at the configured
threshold, the threshold that would maximise balanced accuracy on this set, and the
distribution of the evidence-relevance score the decision rests on.
"""

from __future__ import annotations

import numpy as np

from eval.datasets import Dataset
from eval.report import Report
from runtime.system import System


def evaluate(system: System, dataset: Dataset) -> dict[str, object]:
    gate = system.pipeline.gate
    answered: list[bool] = []
    abstained: list[bool] = []
    relevance: dict[str, list[float]] = {"answerable": [], "unanswerable": []}
    for q in dataset.queries:
        for label, hidden in (("answerable", ()), ("unanswerable", (q.gold,))):
            answer = system.ask(q.text, exclude_guidelines=hidden)
            (answered if label == "answerable" else abstained).append(
                not answer.abstained if label == "answerable" else answer.abstained)
            relevance[label].append(answer.relevance)
    threshold, best = calibrate(np.array(relevance["answerable"]), np.array(relevance["unanswerable"]))
    answer_rate, abstain_rate = float(np.mean(answered)), float(np.mean(abstained))
    return {
        "questions": len(dataset.queries),
        "configured_threshold": gate.abstain_below,
        "answerable_answered": round(answer_rate, 4),
        "unanswerable_abstained": round(abstain_rate, 4),
        "balanced_accuracy": round((answer_rate + abstain_rate) / 2, 4),
        "best_threshold_on_this_set": {"threshold": round(threshold, 3), "balanced_accuracy": round(best, 4)},
        "relevance_median": {k: round(float(np.median(v)), 3) for k, v in relevance.items()},
        "relevance": {k: [round(x, 4) for x in v] for k, v in relevance.items()},
    }


def calibrate(answerable: np.ndarray, unanswerable: np.ndarray) -> tuple[float, float]:
    """Threshold maximising (TPR + TNR) / 2, answering iff relevance >= threshold."""
    best_t, best_score = 0.0, 0.0
    for t in np.unique(np.concatenate([answerable, unanswerable])):
        score = ((answerable >= t).mean() + (unanswerable < t).mean()) / 2
        if score > best_score:
            best_t, best_score = float(t), float(score)
    return best_t, best_score


def add_to_report(report: Report, dataset: Dataset, result: dict[str, object]) -> None:
    report.heading(dataset.name)
    best = result["best_threshold_on_this_set"]
    assert isinstance(best, dict)
    report.text(f"{result['questions']} questions, each asked with its abstract indexed and hidden.")
    report.table({
        "configured": {"threshold": result["configured_threshold"],
                       "answerable answered": result["answerable_answered"],
                       "unanswerable abstained": result["unanswerable_abstained"],
                       "balanced accuracy": result["balanced_accuracy"]},
        "best on this set": {"threshold": best["threshold"], "balanced accuracy": best["balanced_accuracy"]},
    }, "")
    relevance = result["relevance"]
    assert isinstance(relevance, dict)
    report.histogram("abstention-relevance", "Best evidence relevance: answerable vs own abstract hidden",
                     relevance, "relevance (cosine of best evidence sentence)", float(result["configured_threshold"]))  # type: ignore[arg-type]
