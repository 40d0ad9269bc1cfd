"""Whether to answer at all: a small calibrated model over the signals the gate already has.

One similarity threshold on the best evidence sentence cannot tell "the corpus answers this" from
"the corpus is about something close". The model combines cheap signals, all computed from what
retrieval and the gate produce anyway:

- how close the best evidence sentences are to the question (best, runner-up, top three, margin,
  how many sentences come close to the best);
- whether the dense and lexical channels agree on the top guideline (the best rank any of its
  retrieved passages has in each: a guideline with many close passages need not have the fused
  top one first in both);
- how much of the question's distinctive wording the best sentence, and the best guideline's
  sentences together, actually contain (terms weighted by rarity among the candidates; a term no
  candidate contains weighs most — a question about a drug the evidence never names is not
  answered by it);
- whether it is asked as a question or typed as a topic: a topic ("Management of acute
  pancreatitis") reads like a document's own wording, so its evidence scores closer whether or not
  it answers, and the model weighs the same scores differently for it.

It is a logistic regression fitted by ``ckg eval calibrate`` on three kinds of question (PubMedQA
questions, guideline objectives and interventions, clinician-style specialist questions), each
asked with its source indexed and hidden, and shipped as a versioned JSON artifact: plain
numbers, no pickle, read without scikit-learn. The artifact names the embedder it was fitted
with; scores from another embedder are on another scale, so a mismatch is refused at start-up.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from answering.terms import terms
from ckg.errors import ConfigurationError

FEATURES = ("best", "second", "top3", "margin", "near_best", "dense_top", "bm25_top", "coverage_best",
            "coverage_guideline", "question_form")
# A question ("Should I ...?") rather than a topic ("Management of ..."): a topic restates a
# document's own wording, so its evidence scores closer and must score closer still to be the answer.
_ASKS = re.compile(r"\?\s*$|^\s*(what|which|who|when|where|why|how|should|shall|can|could|is|are|was|were|does|do"
                   r"|did|will|would|may|must|has|have)\b", re.IGNORECASE)
NEAR = 0.05  # sentences within this of the best count as "close to the best"
FORMAT = 1
PACKAGED = Path(__file__).resolve().parent / "models" / "abstention.json"  # fitted with the torch embedder


def packaged_model_path(embedder: str) -> Path:
    """The shipped artifact that names this embedder (scores are on each embedder's own scale);
    the torch one if none does, which ``AbstentionModel.load`` then refuses with its reason."""
    for path in sorted(PACKAGED.parent.glob("abstention*.json")):
        if json.loads(path.read_text()).get("embedder") == embedder:
            return path
    return PACKAGED


@dataclass(frozen=True)
class Signals:
    """The inputs of the decision, kept on the answer's relevance record for the audit."""

    values: dict[str, float]

    def vector(self) -> np.ndarray:
        return np.array([self.values[name] for name in FEATURES], dtype=np.float64)


def signals(question: str, sentences: list[str], scores: np.ndarray, guidelines: list[str],
            top_ranks: dict[str, int]) -> Signals:
    """The model's features for one question: ``sentences`` and their ``scores`` (the gate's),
    the guideline of each sentence, and the top guideline's best rank in each retrieval channel."""
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    best = float(s[0])
    second = float(s[1]) if len(s) > 1 else 0.0
    asked = terms(question)
    bags = [terms(text) for text in sentences]
    df = Counter(t for bag in bags for t in bag)
    weight = {t: math.log(1 + (len(bags) + 1) / (df[t] + 0.5)) for t in asked}
    total = sum(weight.values()) or 1.0
    top = int(order[0])
    same_guideline = set().union(*(bag for bag, g in zip(bags, guidelines, strict=True) if g == guidelines[top]))
    return Signals({
        "best": best,
        "second": second,
        "top3": float(s[:3].mean()),
        "margin": best - second,
        "near_best": math.log1p(int((s >= best - NEAR).sum()) - 1),
        "dense_top": 1.0 / (1 + top_ranks.get("dense", 99)),
        "bm25_top": 1.0 / (1 + top_ranks.get("bm25", 99)),
        "coverage_best": sum(w for t, w in weight.items() if t in bags[top]) / total,
        "coverage_guideline": sum(w for t, w in weight.items() if t in same_guideline) / total,
        "question_form": float(bool(_ASKS.search(question))),
    })


@dataclass(frozen=True)
class AbstentionModel:
    """P(the evidence answers the question) = logistic(coef · standardised features + intercept)."""

    version: str
    embedder: str  # the embedder whose scores it was fitted on
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float  # answer when P >= threshold (the operating point chosen when fitting)
    features: tuple[str, ...] = FEATURES
    fitted_on: dict[str, Any] = field(default_factory=dict)  # data, cross-validated figures

    def probability(self, signals: Signals) -> float:
        z = (signals.vector() - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + math.exp(-(float(z @ np.array(self.coef)) + self.intercept))))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"format": FORMAT, **asdict(self)}, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path, embedder: str) -> AbstentionModel:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"abstention model {path} cannot be read: {exc}") from exc
        if data.pop("format", None) != FORMAT or tuple(data.get("features", ())) != FEATURES:
            raise ConfigurationError(f"abstention model {path} was written for other features; refit it with "
                              "`ckg eval calibrate`")
        if data["embedder"] != embedder:
            raise ConfigurationError(f"abstention model {path} was fitted with the embedder {data['embedder']!r}, "
                              f"not the configured {embedder!r}: refit it with `ckg eval calibrate`")
        data["features"] = tuple(data["features"])
        return cls(**data)


def why_not(signals: Signals) -> str:
    """The refusal in a clinician's words: what the evidence lacked."""
    values = signals.values
    if values["coverage_guideline"] < 0.5:
        return ("the guidelines found do not mention much of what the question asks about "
                f"({values['coverage_guideline']:.0%} of its key terms)")
    return (f"the closest passage found (similarity {values['best']:.2f}) does not address the question "
            "closely enough to answer from it")
