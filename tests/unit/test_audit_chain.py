"""The audit trail's hash chain: every kind of tampering is named at the first entry it touched,
and several processes appending at once leave one unbroken chain."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from access.audit import AuditLog, entry_hash


class HeadOnly:
    """The one GraphStore part the log uses, in memory (the real one is in the graph contract tests)."""

    def __init__(self) -> None:
        self.head: dict[str, Any] | None = None

    def save_audit_head(self, chain: str, seq: int, entry_hash: str, time: str) -> None:
        self.head = {"seq": seq, "hash": entry_hash, "time": time}

    def audit_head(self, chain: str) -> dict[str, Any] | None:
        return self.head


def filled(tmp_path: Path, n: int = 10, anchor_every: int = 5) -> tuple[AuditLog, list[str]]:
    log = AuditLog(tmp_path / "audit.jsonl", HeadOnly(), anchor_every)  # type: ignore[arg-type]
    for i in range(n):
        log.append({"actor": f"key:{i:012x}", "route": "/v1/query", "status": 200, "touched": {"question": f"q{i}"}})
    return log, log.path.read_text().splitlines()


def rewrite(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(line + "\n" for line in lines))


def test_an_untouched_chain_is_intact_and_anchored(tmp_path: Path) -> None:
    log, lines = filled(tmp_path)
    check = log.verify()
    assert check.intact and check.entries == 10
    assert log.graph.audit_head("audit")["seq"] == 10  # type: ignore[union-attr]
    first = json.loads(lines[0])
    assert first["prev"] == "0" * 64 and first["hash"] == entry_hash(first)


def test_an_edited_entry_is_named(tmp_path: Path) -> None:
    log, lines = filled(tmp_path)
    lines[3] = lines[3].replace('"q3"', '"something else"')
    rewrite(log, lines)
    check = log.verify()
    assert not check.intact and (check.seq, check.line) == (4, 4) and "was edited" in str(check.problem)


def test_an_entry_edited_and_rehashed_is_named(tmp_path: Path) -> None:
    log, lines = filled(tmp_path)
    entry = json.loads(lines[3])
    entry["touched"]["question"] = "forged"
    entry["hash"] = entry_hash(entry)
    lines[3] = json.dumps(entry)
    rewrite(log, lines)
    check = log.verify()
    assert (check.seq, check.line) == (4, 4) and "re-hashed" in str(check.problem)


def test_a_removed_entry_is_named(tmp_path: Path) -> None:
    log, lines = filled(tmp_path)
    rewrite(log, lines[:6] + lines[7:])
    check = log.verify()
    assert check.seq == 7 and "entry 7 was removed" in str(check.problem)


def test_reordered_entries_are_named(tmp_path: Path) -> None:
    log, lines = filled(tmp_path)
    lines[2], lines[3] = lines[3], lines[2]
    rewrite(log, lines)
    check = log.verify()
    assert (check.seq, check.line) == (3, 3) and "out of order" in str(check.problem)


def test_a_removed_tail_is_caught_by_the_head_in_the_graph(tmp_path: Path) -> None:
    log, lines = filled(tmp_path)
    rewrite(log, lines[:7])
    check = log.verify()
    assert check.seq == 8 and "entries 8-10 were removed" in str(check.problem)


def test_a_rewritten_chain_is_caught_by_the_head_in_the_graph(tmp_path: Path) -> None:
    """Someone re-creates the whole file with consistent hashes: only the anchor can tell."""
    log, _ = filled(tmp_path)
    forged = AuditLog(tmp_path / "forged.jsonl")
    for i in range(10):
        forged.append({"actor": "key:forged", "route": "/v1/query", "status": 200, "touched": {"question": f"f{i}"}})
    log.path.write_text(forged.path.read_text())
    check = log.verify()
    assert check.seq == 10 and "rewritten" in str(check.problem)


def _append_many(path: str, worker: int, n: int) -> None:
    log = AuditLog(Path(path))
    for i in range(n):
        log.append({"actor": f"worker-{worker}", "route": "/v1/query", "status": 200, "touched": {"i": i}})


def test_several_processes_append_one_unbroken_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w, 40)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    log = AuditLog(path)
    check = log.verify()
    assert check.intact and check.entries == 160
    assert sorted(e["seq"] for e in log.entries()) == list(range(1, 161))


@pytest.mark.parametrize("filters,expected", [
    ({"actor": "key:000000000003"}, ["q3"]),
    ({"since": "2000-01-01"}, [f"q{i}" for i in range(9, -1, -1)]),
    ({"since": "2999-01-01"}, []),
])
def test_search_filters_newest_first(tmp_path: Path, filters: dict[str, str], expected: list[str]) -> None:
    log, _ = filled(tmp_path)
    assert [e["touched"]["question"] for e in log.search(**filters)] == expected
