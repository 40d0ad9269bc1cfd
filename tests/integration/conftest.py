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


# Questions a specialist might ask of the ankle-brachial index guideline (ngc-10008), for review tests.
REVIEW_QUESTIONS = [
    "Should adults be screened for peripheral artery disease with the ankle-brachial index?",
    "Is ABI screening recommended in asymptomatic adults?",
    "What are the major risk factors for PAD?",
    "Does the ankle brachial index add to Framingham risk scoring for cardiovascular risk?",
    "What harms can follow screening for peripheral artery disease?",
    "Which patients does the PAD screening recommendation apply to?",
    "Is PAD more common in men or in women?",
    "What ABI value suggests peripheral artery disease?",
    "Does treating screen-detected PAD improve outcomes?",
    "What did the USPSTF recommend about PAD screening in 2005?",
    "How accurate is the ankle-brachial index as a screening test?",
    "Do smoking and diabetes raise the risk of PAD?",
    "Can false-positive ABI results lead to unnecessary testing?",
    "What other organisations recommend about PAD screening?",
    "What ABI threshold defines peripheral artery disease?",
    "Is screening with the ankle-brachial index accurate in asymptomatic people?",
    "Does ABI screening reduce cardiovascular events?",
    "Should the ankle-brachial index be added to Framingham risk assessment?",
    "What are the harms of ABI screening?",
    "Who is at increased risk for PAD?",
    "Does the USPSTF recommend screening for PAD in adults with diabetes?",
    "What did the USPSTF conclude about the ankle brachial index?",
    "Is there evidence that early treatment of asymptomatic PAD helps?",
    "How common is PAD in men aged 40 to 75?",
    "What is the sensitivity of the ABI for detecting PAD?",
]


@pytest.fixture(scope="session")
def review_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A state directory of its own for the review tests (their verdicts change answers), with the
    ankle-brachial index guideline ingested."""
    for home in embedded_home(tmp_path_factory, "ckg-review"):
        result = run_ckg(home, "ingest", "guidelines", str(FEDERAL / "ngc-10008.html"), "--json")
        assert result.returncode == 0, result.stderr
        yield home
