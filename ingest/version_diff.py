"""What changed between two versions of a guideline: sections, recommendations, grades, chunks.

Both versions are read from the graph, so a diff can be taken at ingestion and again, for any two
versions, long after. Sections are matched by heading path, recommendations by their text (the
same text with another grade is a grade change; a close rewording in the same section is a changed
recommendation), chunks by content hash (what kept its vector).
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from graph.store import GraphStore

REWORDED = 0.6  # SequenceMatcher ratio above which a recommendation counts as changed, not replaced


@dataclass(frozen=True)
class SectionChange:
    path: str
    change: str  # "added" | "removed" | "changed"
    lines: list[str] = field(default_factory=list)  # a unified diff of the section's text (changed only)


@dataclass(frozen=True)
class RecommendationChange:
    change: str  # "added" | "removed" | "changed" | "grade changed"
    text: str  # the new text (the old one for "removed")
    section: str | None
    old_text: str | None = None
    old_grade: str | None = None
    new_grade: str | None = None


@dataclass
class VersionDiff:
    guideline_id: str
    old_version: str
    new_version: str
    sections: list[SectionChange]
    recommendations: list[RecommendationChange]
    chunks_unchanged: int
    chunks_added: int
    chunks_removed: int

    def summary(self) -> dict[str, int]:
        counts = Counter(f"sections {s.change}" for s in self.sections)
        counts.update(f"recommendations {r.change}" for r in self.recommendations)
        return dict(sorted(counts.items()))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.summary()}


def diff_versions(graph: GraphStore, old_version: str, new_version: str) -> VersionDiff:
    old_sections, new_sections = _sections(graph, old_version), _sections(graph, new_version)
    old_chunks = Counter(c for s in old_sections.values() for c in s["hashes"])
    new_chunks = Counter(c for s in new_sections.values() for c in s["hashes"])
    unchanged = sum((old_chunks & new_chunks).values())
    return VersionDiff(
        guideline_id=old_version.split("@", 1)[0], old_version=old_version, new_version=new_version,
        sections=_section_changes(old_sections, new_sections),
        recommendations=_recommendation_changes(graph.version_recommendations(old_version),
                                                graph.version_recommendations(new_version)),
        chunks_unchanged=unchanged, chunks_added=sum(new_chunks.values()) - unchanged,
        chunks_removed=sum(old_chunks.values()) - unchanged,
    )


def _sections(graph: GraphStore, version_id: str) -> dict[str, dict[str, Any]]:
    """Section path -> its text (chunks joined in order) and chunk hashes. Repeated paths are numbered."""
    sections: dict[str, dict[str, Any]] = {}
    by_ord: dict[int, str] = {}
    for row in graph.version_sections(version_id):
        if row["ord"] not in by_ord:
            path = row["path"]
            n = 2
            while path in sections:
                path, n = f"{row['path']} ({n})", n + 1
            by_ord[row["ord"]] = path
            sections[path] = {"texts": [], "hashes": []}
        section = sections[by_ord[row["ord"]]]
        section["texts"].append(row["text"])
        section["hashes"].append(row["content_sha256"])
    return sections


def _section_changes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[SectionChange]:
    changes = [SectionChange(p, "removed") for p in old if p not in new]
    for path, section in new.items():
        if path not in old:
            changes.append(SectionChange(path, "added"))
        elif section["hashes"] != old[path]["hashes"]:
            lines = difflib.unified_diff(_lines(old[path]["texts"]), _lines(section["texts"]), "old", "new",
                                         lineterm="", n=0)
            changes.append(SectionChange(path, "changed", [ln for ln in lines if ln[:1] in "+-" and ln[:3] not in
                                                           ("---", "+++")]))
    return changes


def _lines(texts: list[str]) -> list[str]:
    """A section's text as sentences-ish lines: chunks overlap, so repeated lines are dropped."""
    seen: dict[str, None] = {}
    for text in texts:
        for line in text.replace(". ", ".\n").splitlines():
            if line.strip():
                seen.setdefault(line.strip(), None)
    return list(seen)


def _grade(rec: dict[str, Any]) -> str | None:
    return rec.get("label")


def _recommendation_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[RecommendationChange]:
    changes: list[RecommendationChange] = []
    old_by_text: dict[str, list[dict[str, Any]]] = {}
    for rec in old:  # a guideline may state the same text twice (summary and full text), graded alike or not
        old_by_text.setdefault(_norm(rec["text"]), []).append(rec)
    unmatched_new = []
    for rec in new:
        same = old_by_text.get(_norm(rec["text"]))
        if not same:
            unmatched_new.append(rec)
            continue
        before = next((r for r in same if _grade(r) == _grade(rec)), same[0])
        same.remove(before)
        if _grade(before) != _grade(rec):
            changes.append(RecommendationChange("grade changed", rec["text"], rec["section"],
                                                old_grade=_grade(before), new_grade=_grade(rec)))
    unmatched_old = [r for same in old_by_text.values() for r in same]
    for rec in unmatched_new:
        match = _closest(rec, unmatched_old)
        if match is None:
            changes.append(RecommendationChange("added", rec["text"], rec["section"], new_grade=_grade(rec)))
            continue
        unmatched_old.remove(match)
        kind = "grade changed" if _regraded(match, rec) else "changed"
        changes.append(RecommendationChange(kind, rec["text"], rec["section"], old_text=match["text"],
                                            old_grade=_grade(match), new_grade=_grade(rec)))
    changes += [RecommendationChange("removed", r["text"], r["section"], old_grade=_grade(r)) for r in unmatched_old]
    return changes


def _regraded(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Only the grade changed: the texts are the same once each one's own grade label is taken out
    ("... for inhibitor formation (1B)" -> "... (2B)")."""
    old_grade, new_grade = _grade(old), _grade(new)
    if not old_grade or not new_grade or old_grade == new_grade:
        return False
    return _norm(old["text"]).replace(old_grade.lower(), "") == _norm(new["text"]).replace(new_grade.lower(), "")


def _closest(rec: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    scored = [(difflib.SequenceMatcher(None, _norm(c["text"]), _norm(rec["text"])).ratio(), i)
              for i, c in enumerate(candidates)]
    best = max(scored, default=None)
    return candidates[best[1]] if best and best[0] >= REWORDED else None


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
