"""Supersession read from metadata: NGC's status field says "This guideline updates a previous
version: <citation>". When that citation names another guideline in the graph (its title, and its
developer when both are known), the new guideline supersedes it."""

from __future__ import annotations

import re
from typing import Any

_UPDATES = re.compile(r"updates a previous version:\s*(.+)", re.IGNORECASE | re.DOTALL)
_MIN_TITLE = 20  # shorter titles ("Hypertension.") would match citations of unrelated guidelines


def previous_version_citation(status: str | None) -> str | None:
    match = _UPDATES.search(status or "")
    return match.group(1) if match else None


def superseded_by_metadata(guideline_id: str, status: str | None, guidelines: list[dict[str, Any]]) -> list[str]:
    """The other guidelines whose title the status field's previous-version citation names."""
    citation = previous_version_citation(status)
    if citation is None:
        return []
    cited = _norm(citation)
    return sorted(g["guideline_id"] for g in guidelines
                  if g["guideline_id"] != guideline_id and len(_norm(g["title"] or "")) >= _MIN_TITLE
                  and _norm(g["title"]) in cited)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
