"""One abstention model over several data sets' cases: kept cases read back, one operating point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from answering.abstention import FEATURES
from eval.abstention import TARGET_ANSWERED, Case, combined_operating_point, evaluate_combined, load_cases, save_cases


def cases(questions: int, separation: float, seed: int) -> list[Case]:
    """Two cases per question; the unanswerable one's features lie ``separation`` lower."""
    rng = np.random.default_rng(seed)
    found = []
    for q in range(questions):
        for answerable in (True, False):
            features = rng.normal(separation if answerable else 0.0, 1.0, len(FEATURES))
            found.append(Case(q, answerable, features, float(features[0]), False))
    return found


def test_cases_are_kept_and_read_back_with_their_embedder(tmp_path: Path) -> None:
    kept = cases(10, 2.0, seed=1)
    save_cases(kept, tmp_path / "set.npz", "all-MiniLM-L6-v2")
    embedder, read = load_cases(tmp_path / "set.npz")
    assert embedder == "all-MiniLM-L6-v2" and len(read) == 20
    assert [(c.question, c.answerable) for c in read] == [(c.question, c.answerable) for c in kept]
    assert np.allclose(np.stack([c.features for c in read]), np.stack([c.features for c in kept]))


def test_one_model_answers_enough_of_every_data_set_and_abstains_as_much_as_that_allows() -> None:
    """A set whose questions are easy to tell apart and one where they are harder: the operating
    point is set by the harder one, which still answers 90% of its answerable questions."""
    easy, hard = cases(150, 3.0, seed=2), cases(150, 1.2, seed=3)
    result, model = evaluate_combined({"easy": easy, "hard": hard}, "m")
    rates = result["per_data_set"]
    assert rates["easy"]["cases"] == rates["hard"]["cases"] == 300
    assert min(r["answerable answered"] for r in rates.values()) >= TARGET_ANSWERED
    assert rates["hard"]["answerable answered"] < TARGET_ANSWERED + 0.02  # no higher threshold would do
    assert rates["easy"]["unanswerable abstained"] > rates["hard"]["unanswerable abstained"] > 0.4
    assert rates["easy"]["roc_auc"] > rates["hard"]["roc_auc"] > 0.8
    assert round(model.threshold, 4) == result["threshold"] and model.embedder == "m"
    assert model.fitted_on["data"] == ["easy", "hard"]
    assert set(result["roc"]) == {"easy", "hard"}


def test_the_operating_point_is_the_highest_threshold_every_set_answers_enough_at() -> None:
    answerable = np.linspace(0.0, 1.0, 101)  # answered share at t: 1 - t (about)
    sets = [(answerable, np.zeros(5)), (answerable ** 2, np.zeros(5))]
    threshold = combined_operating_point(np.unique(np.concatenate([answerable, answerable ** 2])), sets)
    assert all((a >= threshold).mean() >= TARGET_ANSWERED for a, _ in sets)
    assert threshold == pytest.approx(0.01, abs=0.005)  # the squared set answers 90% only that low
