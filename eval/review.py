"""The system against its reviewers' labels.

Every judged review item in the graph is a human label on one (question, answer sentence, cited
span). This suite measures the verifier against those labels (does "supported" mean what
reviewers say it means: agreement, Cohen's kappa, precision of "supported"), retrieval relevance
(the share of judged citations not marked "not relevant to the question"), and agreement between
reviewers on the items two of them judged (Cohen's kappa over the five labels). The settled set
(agreement or adjudication) is exported as JSONL for reuse.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from eval.report import Report
from review.items import ReviewItem
from review.labels import APPROVING, Label, Status

SCRIPTED_WARNING = ("**These labels were given by scripted reviewers, not clinicians.** The figures test that "
                    "the pipeline from judgement to metric works; they say nothing about clinical validity.")


def reference_label(item: ReviewItem) -> Label | None:
    """The settled verdict; failing that, the first reviewer's (a single-review item in progress)."""
    settlement = item.settlement
    if settlement.final is not None:
        return settlement.final
    labels = item.labels()
    return labels[0] if labels and settlement.status != Status.disputed else None


def evaluate(items: list[ReviewItem]) -> dict[str, Any]:
    judged = [(i, label) for i in items if (label := reference_label(i)) is not None]
    relevant = [(i, label) for i, label in judged if label != Label.not_relevant]
    system = [i.system_verdict == "supported" for i, _ in relevant]
    human = [label in APPROVING for _, label in relevant]
    double = [i for i in items if len([r for r in i.current_reviews() if not r["adjudication"]]) >= 2]
    pairs = [(i.labels()[0].value, i.labels()[1].value) for i in double]
    confusion = Counter((i.system_verdict, label.value) for i, label in judged)
    reviewers = Counter(r["reviewer"] for i in items for r in i.current_reviews())
    return {
        "items": len(items), "judged": len(judged), "judgements": sum(reviewers.values()), "reviewers": len(reviewers),
        "verifier": {
            "items": len(relevant),
            "agreement": _share(sum(s == h for s, h in zip(system, human, strict=True)), len(relevant)),
            "kappa": _kappa(system, human),
            "precision_supported": _share(sum(s and h for s, h in zip(system, human, strict=True)), sum(system)),
            "recall_supported": _share(sum(s and h for s, h in zip(system, human, strict=True)), sum(human)),
        },
        "retrieval_relevance": _share(len(relevant), len(judged)),
        "inter_reviewer": {
            "double_reviewed": len(pairs),
            "agreement": _share(sum(a == b for a, b in pairs), len(pairs)),
            "kappa": _kappa([a for a, _ in pairs], [b for _, b in pairs]),
            "disputed": sum(i.settlement.status == Status.disputed for i in items),
            "adjudicated": sum(any(r["adjudication"] for r in i.current_reviews()) for i in items),
        },
        "labels": dict(Counter(label.value for _, label in judged)),
        "confusion": {f"{s} / {h}": n for (s, h), n in sorted(confusion.items())},
    }


def export(items: list[ReviewItem], path: Path) -> int:
    """The settled items (agreement or adjudication) as JSON lines."""
    settled = [i for i in items if i.settlement.final is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for i in settled:
            out.write(json.dumps({
                "item_id": i.item_id, "question": i.question, "sentence": i.sentence, "quote": i.quote,
                "guideline_id": i.guideline_id, "version_id": i.version_id, "chunk_id": i.chunk_id,
                "char_start": i.char_start, "char_end": i.char_end, "label": i.settlement.final.value
                if i.settlement.final else None, "labels": [label.value for label in i.labels()],
                "system_verdict": i.system_verdict, "system_score": i.system_score, "origin": i.origin,
            }, ensure_ascii=False) + "\n")
    return len(settled)


def add_to_report(report: Report, result: dict[str, Any], scripted: bool, exported: int) -> None:
    if scripted:
        report.text(SCRIPTED_WARNING)
    report.text(f"{result['items']} review items, {result['judged']} with a reference label, "
                f"{result['judgements']} judgements by {result['reviewers']} reviewers; {exported} settled items "
                "exported to `adjudicated.jsonl`.")
    report.heading("Verifier against reviewers")
    report.text("System 'supported' against reviewers' 'supports' or 'partially supports', on the items not "
                "judged irrelevant to the question.")
    report.table({"verifier": result["verifier"]})
    report.heading("Retrieval relevance and agreement between reviewers")
    report.table({"retrieval relevance": {"share of judged citations relevant": result["retrieval_relevance"]},
                  "inter-reviewer": result["inter_reviewer"]})
    report.bars("review-labels", "Reference labels and system verdicts",
                {"items": {k: float(v) for k, v in result["confusion"].items()}}, ylabel="items")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _kappa(a: list[Any], b: list[Any]) -> float | None:
    if len(a) < 2 or len(set(a) | set(b)) < 2:
        return None
    return round(float(cohen_kappa_score(a, b)), 3)
