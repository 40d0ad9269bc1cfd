"""Helpers for tests that drive the `ckg` command line and the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from access.roles import Role
from ckg.settings import Settings
from graph.servers import ArcadeDBServer
from runtime.system import System

from ..conftest import REPO

CKG = [sys.executable, "-m", "api.main"]  # as the `ckg` command runs


def run_ckg(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CKG_")}
    environment.update({"CKG_HOME": str(home), **(env or {})})
    return subprocess.run([*CKG, *args], capture_output=True, text=True, env=environment, cwd=REPO, timeout=600)


def bearer(system: System, role: Role = Role.admin, name: str = "tests") -> dict[str, str]:
    """Headers carrying a new API key of ``role``."""
    key, _ = system.authenticator.keys.create(name, role)
    return {"Authorization": f"Bearer {key}"}


def settings_for(home: Path, **api: Any) -> Settings:
    """Settings for a state directory whose embedded server is running, with API settings overridden."""
    info = ArcadeDBServer(home / "graph").running()
    assert info is not None
    graph = {"uri": info.uri, "user": info.user, "password": info.password, "database": info.database}
    return Settings(home=home, graph=graph, api=api)  # type: ignore[arg-type]


def embedded_home(factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A fresh CKG_HOME; its embedded graph server (started on demand) is stopped by PID at the end."""
    home = factory.mktemp(name)
    yield home
    ArcadeDBServer(home / "graph").stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
