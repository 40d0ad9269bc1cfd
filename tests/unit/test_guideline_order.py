"""The fused ranking re-read with the relevance gate's sentence scores."""

from __future__ import annotations

import numpy as np

from answering.guideline_order import guideline_order, in_order
from ckg.types import Hit, Provenance


def hit(guideline: str, n: int, score: float) -> Hit:
    chunk = f"{guideline}@v#c{n:04d}"
    return Hit(chunk, score, provenance=Provenance(chunk, guideline, f"{guideline}@v", "t", "s", 0, 1, "x"))


HITS = [hit("a", 0, 0.033), hit("b", 0, 0.032), hit("a", 1, 0.030), hit("c", 0, 0.016)]


def test_a_guideline_whose_own_sentence_answers_closest_rises() -> None:
    # b's passages fused just below a's, but b holds the sentence closest to the question
    order = guideline_order(HITS, ["a", "a", "b", "c"], np.array([0.55, 0.60, 0.80, 0.90]))
    assert order[:2] == ["b", "a"]


def test_fusion_still_counts_a_close_sentence_far_down_does_not_win_alone() -> None:
    # c's sentence is the closest, but its passages fused at half the best score
    order = guideline_order(HITS, ["a", "b", "c"], np.array([0.80, 0.70, 0.85]))
    assert order == ["a", "b", "c"]


def test_equal_scores_keep_the_fused_order_and_no_sentences_change_nothing() -> None:
    assert guideline_order(HITS, [], np.array([])) == ["a", "b", "c"]
    assert guideline_order([], ["a"], np.array([0.9])) == []


def test_hits_are_regrouped_by_guideline_in_their_fused_order() -> None:
    regrouped = in_order(HITS, ["b", "a", "c"])
    assert [h.chunk_id for h in regrouped] == ["b@v#c0000", "a@v#c0000", "a@v#c0001", "c@v#c0000"]
