"""The crash harness at small scale: a real ``ckg ingest`` process killed with SIGKILL while it
ingests new and updated real guidelines; every restart must find each version whole or absent,
the index and the graph agreeing, and the re-run must end where a clean ingest ends.
The full-scale run (50 trials) is ``ckg eval bench crash``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ckg.settings import Settings
from eval.bench import crash

from ..conftest import DEV

SMALL = ["ngc-9851", "ngc-10523", "ngc-11354", "ngc-11356"]  # four of the smaller ngc-dev guidelines


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    into = tmp_path_factory.mktemp("crash-input")
    rows = [line for line in (DEV / "index.jsonl").read_text().splitlines() if json.loads(line)["id"] in SMALL]
    for gid in SMALL:
        shutil.copy(DEV / f"{gid}.html", into / f"{gid}.html")
    (into / "index.jsonl").write_text("\n".join(rows) + "\n")
    return into


def test_ingestion_killed_at_random_moments_loses_nothing(folder: Path, tmp_path: Path) -> None:
    result = crash.run(Settings(home=tmp_path / "unused"), folder, trials=3, base=2, new=2, updated=1, seed=3)
    assert result["control_equals_reference"], "an uninterrupted run must equal the clean ingest"
    failed = [t for t in result["details"] if t["partial_versions"] or t["drift_after_restart"] or
              not t["rerun_ok"] or not t["final_equal"]]
    assert not failed, failed
    assert result["passed"] == 3
