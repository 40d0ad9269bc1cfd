"""Fitting answer-ranking weights to questions with a known gold: on cases made up to show it."""

from __future__ import annotations

import numpy as np

from answering.ranking_features import FEATURES
from eval.answer_ranking import Case, compare, fit

COVERAGE = FEATURES.index("coverage")


def case(guideline: str, rng: np.random.Generator) -> Case:
    """Ten candidates; the gold names the question's terms, and is not the most relevant."""
    x = rng.uniform(0, 0.3, size=(10, len(FEATURES)))
    x[:, FEATURES.index("relevance")] = np.linspace(0.8, 0.6, 10)
    gold = np.zeros(10, dtype=bool)
    gold[3] = True
    x[3, COVERAGE] = 1.0
    return Case("positive", guideline, x, gold)


def test_fitted_weights_find_what_singles_out_the_gold() -> None:
    rng = np.random.default_rng(0)
    cases = [case(f"g{i % 6}", rng) for i in range(30)]
    weights = fit(cases)
    assert weights[COVERAGE] == max(weights)
    result = compare(cases)
    assert result is not None
    assert result["leads"]["fitted, cross-validated by guideline"]["all"] == 1.0
    assert result["gold_among_candidates"] == 30


def test_too_few_guidelines_to_fold_are_not_compared() -> None:
    rng = np.random.default_rng(0)
    assert compare([case(f"g{i % 3}", rng) for i in range(9)]) is None
    assert not fit([Case("positive", "g", np.zeros((2, len(FEATURES))), np.zeros(2, dtype=bool))]).any()
