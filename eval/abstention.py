"""Abstention suite: the system should answer what the corpus can answer, and only that.

Each question is asked twice: with its source in the index (answerable: it should answer) and
with that source hidden (unanswerable: the rest of the corpus is about other things, so it
should abstain). PubMedQA questions hide their own abstract; guideline queries (an objective or
the interventions a guideline covers) hide the guideline. The decision measured is the gate's,
the one every answer path passes before anything is drafted.

Reported, in the same run: the single similarity threshold (the configured one and the best one
on this set), the abstention model fitted with cross-validation grouped by question (each
question's two cases are predicted by a model that saw neither), its ROC curve and operating
point, and the decisions of the model the system is configured with. ``--fit PATH`` writes the
model fitted on all of it, with the cross-validated operating point, for the pipeline to load.

One model for several kinds of question (PubMedQA abstracts, guideline queries and specialist
questions, each kind from a state directory of its own): ``ckg eval calibrate`` collects and fits
them in one command; ``--save-cases DIR`` keeps a run's cases and ``ckg eval abstention-fit`` fits
one model on kept ones. Its operating point (cross-validated) is the highest probability at which
every kind still answers TARGET_ANSWERED of its answerable questions: it abstains as much as that
allows, and no kind of question is given up for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from answering.abstention import FEATURES, AbstentionModel
from eval.datasets import Dataset
from eval.report import Report
from runtime.system import System

FOLDS = 5
TARGET_ABSTAINED = 0.95  # the operating point: abstain on at least this share of unanswerable questions
# One model for several kinds: each kind answers at least this share of its answerable questions, as
# many as the model fitted on PubMedQA alone answered there (a wrong refusal costs the clinician too).
TARGET_ANSWERED = 0.92


@dataclass(frozen=True)
class Case:
    question: int  # index of the question: both cases of one question stay in one fold
    answerable: bool
    features: np.ndarray
    best: float
    refused: bool  # by the configured gate


def collect(system: System, dataset: Dataset) -> list[Case]:
    pipeline = system.pipeline
    cases = []
    for i, q in enumerate(dataset.queries):
        for answerable, hidden in ((True, ()), (False, (q.gold,))):
            hits = pipeline.evidence(q.text, exclude_guidelines=hidden)
            relevance = pipeline.gate.assess(q.text, hits)
            if relevance.signals is None:  # nothing quotable retrieved: no features, always refused
                continue
            cases.append(Case(i, answerable, relevance.signals.vector(), relevance.best,
                              relevance.refusal is not None))
    return cases


def save_cases(cases: list[Case], path: Path, embedder: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, embedder=np.array(embedder), feature_names=np.array(FEATURES),
             question=np.array([c.question for c in cases]), answerable=np.array([c.answerable for c in cases]),
             features=np.stack([c.features for c in cases]), best=np.array([c.best for c in cases]),
             refused=np.array([c.refused for c in cases]))


def load_cases(path: Path) -> tuple[str, list[Case]]:
    """The embedder the cases were collected with, and the cases."""
    with np.load(path) as saved:
        if list(saved["feature_names"]) != list(FEATURES):
            raise ValueError(f"{path} was collected with other features: collect its cases again")
        rows = zip(saved["question"], saved["answerable"], saved["features"], saved["best"], saved["refused"],
                   strict=True)
        return str(saved["embedder"]), [Case(int(q), bool(a), f, float(b), bool(r)) for q, a, f, b, r in rows]


def evaluate(system: System, dataset: Dataset, embedder: str, keep: Path | None = None
             ) -> tuple[dict[str, Any], AbstentionModel]:
    """The figures, and the model fitted on every case (with the cross-validated operating point);
    ``keep``: where to save the cases for a combined fit."""
    cases = collect(system, dataset)
    if keep is not None:
        save_cases(cases, keep / f"{dataset.slug}.npz", embedder)
    x = np.stack([c.features for c in cases])
    y = np.array([c.answerable for c in cases])
    best = np.array([c.best for c in cases])
    refused = np.array([c.refused for c in cases])
    gate = system.pipeline.gate
    probabilities = cross_validated(x, y, np.array([c.question for c in cases]))
    threshold = operating_point(probabilities[y], probabilities[~y])
    similarity_threshold, _ = calibrate(best[y], best[~y])
    cross_validated_rates = _rates(probabilities[y] >= threshold, probabilities[~y] < threshold, threshold)
    cross_validated_auc = round(auc(probabilities[y], probabilities[~y]), 4)
    fitted_on = {"data": dataset.name, "cases": len(cases), "folds": FOLDS,
                 "cross_validated": {**cross_validated_rates, "roc_auc": cross_validated_auc}}
    model = fit(x, y, threshold, embedder, fitted_on)
    result = {
        "questions": len(dataset.queries),
        "cases": len(cases),
        "decisions": {
            "similarity threshold (configured)": _rates(best[y] >= gate.abstain_below, best[~y] < gate.abstain_below,
                                                       gate.abstain_below),
            "similarity threshold (best on this set)": _rates(best[y] >= similarity_threshold,
                                                             best[~y] < similarity_threshold, similarity_threshold),
            "abstention model (cross-validated)": cross_validated_rates,
            "configured gate": _rates(~refused[y], refused[~y], None),
        },
        "roc_auc": {"similarity": round(auc(best[y], best[~y]), 4),
                    "abstention model (cross-validated)": cross_validated_auc},
        "roc": {"similarity": roc(best[y], best[~y]),
                "abstention model (cross-validated)": roc(probabilities[y], probabilities[~y])},
        "model": {"coefficients": dict(zip(FEATURES, (round(c, 4) for c in model.coef), strict=True)),
                  "threshold": round(threshold, 4)},
    }
    return result, model


def evaluate_combined(named_cases: dict[str, list[Case]], embedder: str) -> tuple[dict[str, Any], AbstentionModel]:
    """One model over several data sets' cases, cross-validated by question across them all, at the
    operating point of ``combined_operating_point``."""
    names, cases, offset = [], [], 0
    for name, own in named_cases.items():
        cases += [Case(c.question + offset, c.answerable, c.features, c.best, c.refused) for c in own]
        names += [name] * len(own)
        offset += max(c.question for c in own) + 1
    x = np.stack([c.features for c in cases])
    y = np.array([c.answerable for c in cases])
    of = np.array(names)
    probabilities = cross_validated(x, y, np.array([c.question for c in cases]))
    sets = [(probabilities[y & (of == n)], probabilities[~y & (of == n)]) for n in named_cases]
    threshold = combined_operating_point(np.unique(probabilities), sets)
    per_set = {}
    for name in named_cases:
        answerable, unanswerable = probabilities[y & (of == name)], probabilities[~y & (of == name)]
        per_set[name] = {**_rates(answerable >= threshold, unanswerable < threshold, threshold),
                         "roc_auc": round(auc(answerable, unanswerable), 4), "cases": int((of == name).sum())}
    fitted_on = {"data": list(named_cases), "cases": len(cases), "folds": FOLDS, "cross_validated": per_set}
    model = fit(x, y, threshold, embedder, fitted_on)
    coefficients = dict(zip(FEATURES, (round(c, 4) for c in model.coef), strict=True))
    curves = {name: roc(answerable, unanswerable) for name, (answerable, unanswerable) in zip(named_cases, sets,
                                                                                              strict=True)}
    return {"per_data_set": per_set, "threshold": round(threshold, 4), "coefficients": coefficients,
            "roc": curves}, model


def combined_operating_point(thresholds: np.ndarray, sets: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The highest of ``thresholds`` (the lowest always qualifies) at which every set (answerable,
    unanswerable probabilities) answers TARGET_ANSWERED of its answerable questions."""
    return float(max(t for t in thresholds if all((a >= t).mean() >= TARGET_ANSWERED for a, _ in sets)))


def add_combined_to_report(report: Report, result: dict[str, Any]) -> None:
    report.text("One abstention model fitted on every data set's cases, cross-validated by question across them "
                f"all; its operating point ({result['threshold']}) is the highest probability at which every data "
                f"set still answers {TARGET_ANSWERED:.0%} of its answerable questions.")
    report.table(result["per_data_set"], "data set (cross-validated)")
    report.text("Coefficients (standardised features): "
                + ", ".join(f"{k} {v:+.2f}" for k, v in result["coefficients"].items()) + ".")
    report.curves("abstention-roc-combined", "ROC of the one model, per data set (cross-validated)",
                  {name: (curve["false_positive_rate"], curve["true_positive_rate"])
                   for name, curve in result["roc"].items()},
                  "unanswerable answered (false positive rate)", "answerable answered (true positive rate)")


def cross_validated(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Out-of-fold P(answerable) for every case, folds grouped by question."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros(len(y))
    for train, test in GroupKFold(FOLDS).split(x, y, groups):
        out[test] = _logistic(x[train], y[train]).predict_proba(x[test])[:, 1]
    return out


def fit(x: np.ndarray, y: np.ndarray, threshold: float, embedder: str, data: dict[str, Any]) -> AbstentionModel:
    model = _logistic(x, y)
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    return AbstentionModel(
        version=f"logistic-{len(y)}", embedder=embedder, mean=[float(v) for v in scaler.mean_],
        scale=[float(v) for v in scaler.scale_], coef=[float(v) for v in regression.coef_[0]],
        intercept=float(regression.intercept_[0]), threshold=float(threshold), fitted_on=data,
    )


def _logistic(x: np.ndarray, y: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(x, y)


def operating_point(answerable: np.ndarray, unanswerable: np.ndarray) -> float:
    """The lowest probability threshold that abstains on TARGET_ABSTAINED of the unanswerable
    questions (answering as many answerable ones as that allows); the best balanced accuracy if
    no threshold reaches the target."""
    thresholds = np.unique(np.concatenate([answerable, unanswerable]))
    reaching = [t for t in thresholds if (unanswerable < t).mean() >= TARGET_ABSTAINED]
    if reaching:
        return float(min(reaching))
    return calibrate(answerable, unanswerable)[0]


def calibrate(answerable: np.ndarray, unanswerable: np.ndarray) -> tuple[float, float]:
    """Threshold maximising (TPR + TNR) / 2, answering iff the score >= threshold."""
    best_t, best_score = 0.0, 0.0
    for t in np.unique(np.concatenate([answerable, unanswerable])):
        score = ((answerable >= t).mean() + (unanswerable < t).mean()) / 2
        if score > best_score:
            best_t, best_score = float(t), float(score)
    return best_t, best_score


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.r_[np.ones(len(positive)), np.zeros(len(negative))], np.r_[positive, negative]))


def roc(positive: np.ndarray, negative: np.ndarray, points: int = 50) -> dict[str, list[float]]:
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(np.r_[np.ones(len(positive)), np.zeros(len(negative))], np.r_[positive, negative])
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(points, len(fpr))).astype(int))
    return {"false_positive_rate": [round(float(v), 4) for v in fpr[keep]],
            "true_positive_rate": [round(float(v), 4) for v in tpr[keep]]}


def _rates(answered: np.ndarray, abstained: np.ndarray, threshold: float | None) -> dict[str, Any]:
    a, b = float(np.mean(answered)), float(np.mean(abstained))
    return {"threshold": None if threshold is None else round(threshold, 3), "answerable answered": round(a, 4),
            "unanswerable abstained": round(b, 4), "balanced accuracy": round((a + b) / 2, 4)}


def add_to_report(report: Report, dataset: Dataset, result: dict[str, Any]) -> None:
    report.heading(dataset.name)
    report.text(f"{result['questions']} questions, each asked with its source indexed and hidden "
                f"({result['cases']} cases with quotable evidence).")
    report.table(result["decisions"], "decision")
    report.text("ROC AUC: " + ", ".join(f"{k} **{v:.3f}**" for k, v in result["roc_auc"].items()) + ".")
    report.text("Abstention model coefficients (standardised features): "
                + ", ".join(f"{k} {v:+.2f}" for k, v in result["model"]["coefficients"].items()) + ".")
    report.curves(f"abstention-roc-{dataset.slug}", f"ROC: answer vs abstain ({dataset.name})",
                  {name: (curve["false_positive_rate"], curve["true_positive_rate"])
                   for name, curve in result["roc"].items()},
                  "unanswerable answered (false positive rate)", "answerable answered (true positive rate)")
