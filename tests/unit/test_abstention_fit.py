"""One abstention model over several data sets' cases: kept cases read back, one operating point."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from answering.abstention import FEATURES
from eval.abstention import Case, evaluate_combined, load_cases, save_cases


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


def test_one_model_serves_every_data_set_where_its_worst_rate_is_highest() -> None:
    """A set whose questions are easy to tell apart and one where they are harder: the operating
    point is set by the harder one, whose worse rate is as high as any threshold makes it."""
    easy, hard = cases(150, 3.0, seed=2), cases(150, 1.2, seed=3)
    result, model = evaluate_combined({"easy": easy, "hard": hard}, "m")
    rates = result["per_data_set"]
    assert rates["easy"]["cases"] == rates["hard"]["cases"] == 300
    worst = {name: min(r["answerable answered"], r["unanswerable abstained"]) for name, r in rates.items()}
    assert worst["easy"] > worst["hard"] > 0.7
    assert abs(rates["hard"]["answerable answered"] - rates["hard"]["unanswerable abstained"]) < 0.05
    assert rates["easy"]["roc_auc"] > rates["hard"]["roc_auc"] > 0.8
    assert round(model.threshold, 4) == result["threshold"] and model.embedder == "m"
    assert model.fitted_on["data"] == ["easy", "hard"]
