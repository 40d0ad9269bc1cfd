"""The guideline lifecycle as a knowledge engineer sees it: each guideline's version history, the
diff between two versions, and the past answers an update made stale."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ckg.errors import InputError, NotFound
from graph.store import GraphStore, GuidelineState
from ingest.version_diff import VersionDiff, diff_versions


def guideline(graph: GraphStore, guideline_id: str) -> GuidelineState:
    state = graph.guideline_state(guideline_id)
    if state is None:
        raise NotFound(f"no guideline {guideline_id!r} in the graph")
    return state


def history(graph: GraphStore, guideline_id: str) -> dict[str, Any]:
    """The guideline, whether it was retired (by whom, when, why), what it superseded, and every
    version with when it was valid, oldest first."""
    state = guideline(graph, guideline_id)
    return {**asdict(state), "versions": graph.version_history(guideline_id),
            "supersedes": graph.superseded_guidelines(guideline_id)}


def diff(graph: GraphStore, guideline_id: str, old: str | None = None, new: str | None = None) -> VersionDiff:
    """Between two versions (full ids or their hash part); by default the two latest."""
    versions = [v["version_id"] for v in graph.version_history(guideline_id)]
    if not versions:
        guideline(graph, guideline_id)  # raises NotFound for an unknown guideline
    if (old is None) != (new is None):
        raise InputError("give both versions to compare, or neither (the two latest)")
    if old is None or new is None:
        if len(versions) < 2:
            raise InputError(f"guideline {guideline_id!r} has only one version: nothing to compare")
        old, new = versions[-2], versions[-1]
    return diff_versions(graph, _version(versions, guideline_id, old), _version(versions, guideline_id, new))


def _version(versions: list[str], guideline_id: str, given: str) -> str:
    matches = [v for v in versions if v == given or v.split("@", 1)[1].startswith(given.split("@")[-1])]
    if len(matches) != 1:
        known = ", ".join(versions)
        raise NotFound(f"guideline {guideline_id!r} has no version {given!r} (its versions: {known})")
    return matches[0]


@dataclass
class StaleCitation:
    chunk_id: str
    version_id: str
    section: str
    why: str  # "changed" | "removed" | "withdrawn" | "superseded"
    detail: str  # in words, for the reviewer
    current_version: str | None = None
    changes: list[str] = field(default_factory=list)  # the cited section's diff lines, old "-" / new "+"
    grade_changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StaleAnswer:
    seq: int
    time: str
    actor: str
    question: str
    citations: list[StaleCitation]


def stale_answers(graph: GraphStore, answers: list[dict[str, Any]], since: str | None = None) -> list[StaleAnswer]:
    """Past answers (audit entries) that cite a passage whose text is no longer in its guideline's
    current version, or whose guideline was withdrawn or superseded. A passage carried over word for
    word into the new version does not make its answer stale."""
    # An answer asked as of a past date cited old versions on purpose: it is not stale.
    answers = [a for a in answers if (since is None or a["time"] >= since) and not a.get("touched", {}).get("as_of")]
    cited = sorted({c for a in answers for c in a.get("touched", {}).get("chunks", [])})
    chunks = graph.chunk_versions(cited)
    checker = _Staleness(graph)
    stale = []
    for entry in answers:
        touched = entry.get("touched", {})
        found = [s for c in dict.fromkeys(touched.get("chunks", [])) if (s := checker.check(c, chunks.get(c)))]
        if found:
            stale.append(StaleAnswer(entry["seq"], entry["time"], entry.get("actor", ""), touched.get("question", ""),
                                     found))
    return stale


class _Staleness:
    """Per-guideline state and per-version-pair diffs, read once for all the answers checked."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph
        self._states: dict[str, GuidelineState | None] = {}
        self._diffs: dict[tuple[str, str], VersionDiff] = {}
        self._texts_of_version: dict[str, set[str]] = {}

    def check(self, chunk_id: str, chunk: dict[str, Any] | None) -> StaleCitation | None:
        version = chunk_id.split("#", 1)[0]
        if chunk is None:
            return StaleCitation(chunk_id, version, "", "removed", "the cited passage is no longer in the graph")
        if chunk["current"]:
            return None
        gid = version.split("@", 1)[0]
        state = self._state(gid)
        base = StaleCitation(chunk_id, version, chunk["section"], "", "", state.current_version if state else None)
        if state is None or state.retired:
            return self._retired(base, state)
        if state.current_version is None or chunk["text"] in self._current_texts(state.current_version):
            return None
        change = self._diff(version, state.current_version)
        section = next((s for s in change.sections if s.path == chunk["section"]), None)
        base.why = "changed" if section is None or section.change == "changed" else "removed"
        base.detail = (f"the cited section was {'changed' if base.why == 'changed' else 'removed'} in version "
                       f"{state.current_version}")
        base.changes = section.lines if section else []
        base.grade_changes = [asdict(r) for r in change.recommendations if r.section == chunk["section"]]
        return base

    @staticmethod
    def _retired(base: StaleCitation, state: GuidelineState | None) -> StaleCitation:
        if state is None:
            base.why, base.detail = "removed", "the cited guideline is no longer in the graph"
        elif state.retired == "superseded":
            base.why = "superseded"
            base.detail = f"the guideline was superseded by {state.superseded_by} on {state.retired_at}"
        else:
            base.why = "withdrawn"
            reason = state.retired_reason or "no reason given"
            base.detail = f"the guideline was withdrawn on {state.retired_at}: {reason}"
        return base

    def _state(self, gid: str) -> GuidelineState | None:
        if gid not in self._states:
            self._states[gid] = self.graph.guideline_state(gid)
        return self._states[gid]

    def _current_texts(self, version: str) -> set[str]:
        if version not in self._texts_of_version:
            self._texts_of_version[version] = {r["text"] for r in self.graph.version_sections(version)}
        return self._texts_of_version[version]

    def _diff(self, old: str, new: str) -> VersionDiff:
        if (old, new) not in self._diffs:
            self._diffs[(old, new)] = diff_versions(self.graph, old, new)
        return self._diffs[(old, new)]
