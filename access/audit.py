"""The audit trail: an append-only JSON Lines file whose entries form a SHA-256 hash chain.

Each entry carries the hash of the one before it and its own hash over its content, so an entry
edited, removed or moved breaks the chain where it happened. Deleting the tail, or rewriting the
whole file from some point on, is caught by the chain head that is also written to the graph
every few entries. Appends take a file lock (several workers share one file) and are fsynced
before the response that caused them is sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ckg.errors import CkgError
from ckg.locks import exclusive
from graph.store import GraphStore

log = logging.getLogger(__name__)

CHAIN = "audit"
GENESIS = "0" * 64


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the entry's canonical JSON, its own ``hash`` excluded (``prev`` included)."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    problem: str | None = None  # None: intact
    seq: int | None = None  # the first entry found wrong
    line: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


class AuditLog:
    def __init__(self, path: Path, graph: GraphStore | None = None, anchor_every: int = 50) -> None:
        self.path = path
        self.graph = graph
        self.anchor_every = anchor_every

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Add one entry (``seq``, ``time``, ``prev`` and ``hash`` are filled in) and make it durable."""
        with exclusive(self.path.with_suffix(".lock"), wait=True, what="the audit trail"):
            last = self._last()
            entry = {"seq": last["seq"] + 1 if last else 1,
                     "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                     **record, "prev": last["hash"] if last else GENESIS}
            entry["hash"] = entry_hash(entry)
            line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            if entry["seq"] % self.anchor_every == 0:
                self.anchor(entry)
        return entry

    def anchor(self, entry: dict[str, Any] | None = None) -> None:
        """Write the chain head to the graph. An unreachable graph costs the anchor, never the entry."""
        entry = entry or self._last()
        if entry is None or self.graph is None:
            return
        try:
            self.graph.save_audit_head(CHAIN, entry["seq"], entry["hash"], entry["time"])
        except CkgError as exc:
            log.warning("audit chain head not written to the graph", extra={"error": str(exc)})

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)

    def search(self, *, actor: str | None = None, since: str | None = None, patient: str | None = None,
               version: str | None = None, route: str | tuple[str, ...] | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
        """The newest ``limit`` entries matching every filter given (``since``: an ISO date or time, UTC;
        ``route``: one route template or several)."""
        routes = (route,) if isinstance(route, str) else route
        found = [e for e in self.entries() if (actor is None or e.get("actor") == actor)
                 and (since is None or e["time"] >= since)
                 and (routes is None or e.get("route") in routes)
                 and (patient is None or e.get("touched", {}).get("patient_key") == patient)
                 and (version is None or version in e.get("touched", {}).get("versions", []))]
        return found[-limit:][::-1]

    def verify(self) -> ChainCheck:
        """Walk the chain from the start; name the first entry edited, removed or out of order."""
        previous, count, previous_line = GENESIS, 0, 0
        rows = self._rows()
        for index, (line_no, entry) in enumerate(rows):
            expected = count + 1
            if entry is None or entry.get("hash") != entry_hash(entry):
                seq = entry.get("seq") if entry else None
                return ChainCheck(count, f"entry {seq or expected} (line {line_no}) was edited: its content no longer "
                                  "matches its hash", seq or expected, line_no)
            if entry["seq"] == expected and entry["prev"] != previous:
                edited, at = (count, previous_line) if count else (expected, line_no)
                return ChainCheck(count, f"entry {edited} (line {at}) was edited and re-hashed: the entry after it no "
                                  "longer links to it", edited, at)
            if entry["seq"] != expected:
                later = any(e is not None and e.get("seq") == expected for _, e in rows[index + 1:])
                what = (f"entry {entry['seq']} (line {line_no}) is out of order: entry {expected} was expected"
                        if later else f"entry {expected} was removed (line {line_no} holds entry {entry['seq']})")
                return ChainCheck(count, what, expected, line_no)
            previous, count, previous_line = entry["hash"], expected, line_no
        return self._check_head([entry for _, entry in rows])

    def _check_head(self, chain: list[dict[str, Any] | None]) -> ChainCheck:
        """The file's chain, already found intact (entry n at position n-1), against the graph's anchor."""
        count = len(chain)
        head = self.graph.audit_head(CHAIN) if self.graph else None
        if head is None:
            return ChainCheck(count)
        if head["seq"] > count:
            return ChainCheck(count, f"entries {count + 1}-{head['seq']} were removed: the graph's chain head records "
                              f"entry {head['seq']}, the file ends at entry {count}", count + 1)
        recorded = chain[head["seq"] - 1]
        if recorded is None or recorded["hash"] != head["hash"]:
            return ChainCheck(count, f"entry {head['seq']} differs from the chain head recorded in the graph: the "
                              "chain was rewritten from there or before", head["seq"])
        return ChainCheck(count)

    def _rows(self) -> list[tuple[int, dict[str, Any] | None]]:
        rows: list[tuple[int, dict[str, Any] | None]] = []
        if not self.path.exists():
            return rows
        with self.path.open(encoding="utf-8") as lines:
            for line_no, line in enumerate(lines, 1):
                if line.strip():
                    try:
                        rows.append((line_no, json.loads(line)))
                    except json.JSONDecodeError:
                        rows.append((line_no, None))
        return rows

    def _last(self) -> dict[str, Any] | None:
        """The last entry, read backwards from the end of the file (entries are far smaller than the file)."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return None
        with self.path.open("rb") as f:
            end = f.seek(0, os.SEEK_END)
            block, tail = 8192, b""
            while end > 0:
                start = max(0, end - block)
                f.seek(start)
                tail = f.read(end - start) + tail
                end = start
                lines = tail.rstrip(b"\n").split(b"\n")
                if len(lines) > 1 or start == 0:
                    return json.loads(lines[-1]) if lines[-1] else None
        return None
