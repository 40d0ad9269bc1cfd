"""A state directory on the zero-setup default (embedded ArcadeDB) with one guideline ingested,
shared by the modules that drive the command line and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import FEDERAL
from .api_support import embedded_home, run_ckg


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A CKG_HOME with no graph URI: the embedded server starts on demand and is stopped by PID."""
    yield from embedded_home(tmp_path_factory, "ckg-home")


@pytest.fixture(scope="session")
def ingested(home: Path) -> Path:
    result = run_ckg(home, "ingest", "guidelines", str(FEDERAL / "ngc-10008.html"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == 1 and report["chunks"] > 50
    return home
