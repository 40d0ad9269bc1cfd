"""The answer ranker's weights: the evidence sentence that leads is the one whose features
(``answering.ranking_features``) weigh most.

The relevance score counts once; the rest are bonuses and penalties of a few hundredths: a
recommendation over commentary, a graded one more, a strong one most; GRADE's wording ("we
recommend" / "we suggest") as much as a step of grade; a value outside the range a sentence
states, or another population, as much as commentary over a recommendation. They were set by
hand; ``ckg eval specialist`` measures them against weights fitted to its questions
(cross-validated by guideline) in the same run, and so far the fitted ones do worse. A configured
reader's probability (``answering.reader``) counts as much as a recommendation over commentary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RankingModel:
    version: str
    weights: dict[str, float]

    def score(self, features: dict[str, float]) -> float:
        return sum(self.weights.get(name, 0.0) * value for name, value in features.items())


WEIGHTS = RankingModel("hand-set-3", {
    "relevance": 1.0, "top_guideline": 0.04, "coverage": 0.3, "recommendation": 0.15, "ungraded_among_graded": 0.05,
    "grade_strength": 0.08, "strong_wording": 0.05, "weak_wording": -0.05, "quantity_stated": 0.1, "quantity_kind": 0.1,
    "quantity_fit": 0.15, "population_conflict": -0.15, "includes_excluded": -0.15, "excludes_too": 0.05,
    "methods": -0.12, "asserts_opposite": -0.15, "excludes_with_question": 0.05, "reader": 0.15,
})
