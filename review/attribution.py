"""Source attribution: which guidelines (and developers) carried the answers, and how their
citations fared with clinician reviewers, over a period."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from review.items import ReviewItem
from review.labels import APPROVING, Label, Status

By = Literal["guideline", "developer"]


@dataclass
class Attribution:
    key: str  # the guideline id, or the developer's name
    name: str
    answers: int = 0  # answers (API questions in the period) that cited it
    citations: int = 0  # citations it carried in those answers
    items: int = 0  # review items on its text (created in the period)
    reviewed: int = 0  # of those, judged at least once
    judgements: int = 0
    approved: int = 0  # judgements "supports" or "partially supports"
    disputes: int = 0  # items waiting for adjudication
    labels: Counter[str] = field(default_factory=Counter)

    @property
    def reviewed_share(self) -> float | None:
        return round(self.reviewed / self.items, 3) if self.items else None

    @property
    def approval_rate(self) -> float | None:
        return round(self.approved / self.judgements, 3) if self.judgements else None

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "labels": dict(self.labels), "reviewed_share": self.reviewed_share,
                "approval_rate": self.approval_rate}


def attribute(by: By, answers: Iterable[Mapping[str, Any]], owners: Mapping[str, Mapping[str, str]],
              items: Iterable[ReviewItem], since: str | None = None, until: str | None = None) -> list[Attribution]:
    """``answers``: audit entries of answered questions (``touched.chunks``); ``owners``: version id ->
    guideline id, title, developer. Rows ordered by answers carried, then judgements."""
    rows: dict[str, Attribution] = {}

    def row_for(guideline_id: str, title: str, developer: str | None) -> Attribution:
        key, name = (guideline_id, title) if by == "guideline" else (developer or "unknown", developer or "unknown")
        return rows.setdefault(key, Attribution(key, name))

    for entry in answers:
        if not _within(entry["time"], since, until):
            continue
        carried: dict[str, int] = defaultdict(int)
        for chunk_id in entry.get("touched", {}).get("chunks", []):
            owner = owners.get(chunk_id.split("#", 1)[0])
            if owner:
                carried[row_for(owner["guideline_id"], owner["title"], owner.get("developer")).key] += 1
        for key, count in carried.items():
            rows[key].answers += 1
            rows[key].citations += count
    for item in items:
        if not _within(item.created, since, until):
            continue
        row = row_for(item.guideline_id, item.title, item.developer)
        labels = [Label(r["label"]) for r in item.current_reviews()]
        row.items += 1
        row.reviewed += bool(labels)
        row.judgements += len(labels)
        row.approved += sum(label in APPROVING for label in labels)
        row.disputes += item.settlement.status == Status.disputed
        row.labels.update(label.value for label in labels)
    return sorted(rows.values(), key=lambda r: (-r.answers, -r.judgements, r.key))


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One line per row; label counts as columns of their own."""
    labels = [label.value for label in Label]
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [f.name for f in fields(Attribution) if f.name != "labels"] + ["reviewed_share", "approval_rate"]
    writer.writerow(columns + labels)
    for row in rows:
        writer.writerow([row[c] for c in columns] + [row["labels"].get(label, 0) for label in labels])
    return out.getvalue()


def _within(time: str, since: str | None, until: str | None) -> bool:
    return (since is None or time >= since) and (until is None or time < until)
