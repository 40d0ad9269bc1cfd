"""Helpers for tests that drive the `ckg` command line and the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from access.roles import Role
from runtime.system import System

from ..conftest import REPO

CKG = [sys.executable, "-m", "api.cli"]


def run_ckg(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CKG_")}
    environment.update({"CKG_HOME": str(home), **(env or {})})
    return subprocess.run([*CKG, *args], capture_output=True, text=True, env=environment, cwd=REPO, timeout=600)


def bearer(system: System, role: Role = Role.admin, name: str = "tests") -> dict[str, str]:
    """Headers carrying a new API key of ``role``."""
    key, _ = system.authenticator.keys.create(name, role)
    return {"Authorization": f"Bearer {key}"}
