"""Would weights fitted to the specialist questions rank better than the ones shipped?

Each question answered (not refused) gives a *case*: every candidate statement with its features,
and which of them quote the gold recommendation. Weights are fitted by pairwise logistic
regression (the gold's features minus each other candidate's, so that only differences within
one question count, each question weighing the same) and measured the only honest way on a few
dozen questions: cross-validated, folds grouped by guideline, so that no guideline's questions
are ranked by weights fitted on them. The shipped weights are measured on the same cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from answering.pipeline import QueryPipeline
from answering.ranking import AnswerRanker
from answering.ranking_features import FEATURES
from answering.ranking_model import WEIGHTS
from ckg import ids
from eval.specialist_questions import SpecialistQuestion, quotes

FOLDS = 5
C = 1.0  # L2 strength on standardised feature differences


@dataclass(frozen=True)
class Case:
    kind: str
    guideline_id: str
    x: np.ndarray  # candidates x FEATURES
    gold: np.ndarray  # bool per candidate: quotes the gold recommendation


def collect(pipeline: QueryPipeline, questions: list[SpecialistQuestion],
            ranker: AnswerRanker | None = None) -> list[Case]:
    """The features of every candidate statement, per answered question (by the shipped weights'
    ranker, with the pipeline's reader when it has one)."""
    ranker = ranker or AnswerRanker(pipeline.nlp, WEIGHTS)
    cases = []
    for q in questions:
        relevance = pipeline.gate.assess(q.question, pipeline.evidence(q.question))
        if relevance.refusal is not None:
            continue
        scored = ranker.scored(q.question, pipeline.for_drafting(q.question, relevance))
        if scored:
            x = np.array([[s.features.get(name, 0.0) for name in FEATURES] for s in scored])
            gold = np.array([quotes(q, ids.guideline_of(s.candidate.hit.chunk_id), s.candidate.start,
                                    s.candidate.end, s.candidate.text) for s in scored])
            cases.append(Case(q.kind, q.guideline_id, x, gold))
    return cases


def compare(cases: list[Case]) -> dict[str, Any] | None:
    """Leads with the gold per kind: shipped weights, and fitted ones cross-validated by guideline
    (None when the questions are about too few guidelines to fold)."""
    from sklearn.model_selection import GroupKFold

    groups = [c.guideline_id for c in cases]
    if len(set(groups)) < FOLDS:
        return None
    shipped = np.array([WEIGHTS.weights.get(name, 0.0) for name in FEATURES])
    led_fitted = [False] * len(cases)
    for train, test in GroupKFold(FOLDS).split(cases, groups=groups):
        weights = fit([cases[i] for i in train])
        for i in test:
            led_fitted[i] = _leads(cases[i], weights)
    return {
        "cases": len(cases), "gold_among_candidates": sum(bool(c.gold.any()) for c in cases),
        "leads": {f"shipped ({WEIGHTS.version})": _by_kind(cases, [_leads(c, shipped) for c in cases]),
                  "fitted, cross-validated by guideline": _by_kind(cases, led_fitted)},
    }


def fit(cases: list[Case]) -> np.ndarray:
    """Pairwise logistic regression on gold-minus-other differences, both signs, each question
    weighing the same; the weights returned apply to the raw features."""
    from sklearn.linear_model import LogisticRegression

    diffs, weights = [], []
    for case in cases:
        if case.gold.any() and not case.gold.all():
            d = (case.x[case.gold][:, None, :] - case.x[~case.gold][None, :, :]).reshape(-1, len(FEATURES))
            diffs.append(d)
            weights.append(np.full(len(d), 1.0 / len(d)))
    if not diffs:
        return np.zeros(len(FEATURES))
    x, w = np.concatenate(diffs), np.concatenate(weights)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=2000).fit(
        np.concatenate([x / scale, -x / scale]), np.r_[np.ones(len(x)), np.zeros(len(x))], sample_weight=np.r_[w, w])
    return np.asarray(model.coef_[0] / scale)


def _leads(case: Case, weights: np.ndarray) -> bool:
    return bool(case.gold[int(np.argmax(case.x @ weights))])


def _by_kind(cases: list[Case], led: list[bool]) -> dict[str, float]:
    kinds: dict[str, list[bool]] = defaultdict(list)
    for case, hit in zip(cases, led, strict=True):
        kinds["all"].append(hit)
        kinds[case.kind].append(hit)
    return {kind: round(sum(v) / len(v), 4) for kind, v in sorted(kinds.items())} | {"n": len(led)}
