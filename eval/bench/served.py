"""`ckg serve` in a subprocess on a free loopback port, for benchmarks that measure it from outside."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from access.keys import ApiKeys
from access.roles import Role
from ckg.settings import Settings
from runtime.system import open_graph

CKG = str(Path(sys.executable).with_name("ckg"))


def api_keys(settings: Settings, count: int, role: Role = Role.clinician) -> list[str]:
    """New API keys in the state directory's graph, one per simulated client."""
    graph = open_graph(settings)
    try:
        keys = ApiKeys(graph)
        return [keys.create(f"benchmark client {i}", role)[0] for i in range(count)]
    finally:
        graph.close()


@contextmanager
def served(home: Path, timeout_s: float = 300.0, env: dict[str, str] | None = None, workers: int = 1
           ) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """(base URL, server process, seconds until healthy); the server is stopped on exit."""
    port = _free_port()
    server = subprocess.Popen([CKG, "serve", "--port", str(port), "--workers", str(workers)],
                              env={**os.environ, "CKG_HOME": str(home), **(env or {})},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        _wait_healthy(base, server, timeout_s)
        yield base, server, time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)


def memory_mb(pid: int) -> dict[str, float]:
    """A process's resident set now (VmRSS), its peak (VmHWM) and its proportional share (Pss: pages
    shared with other processes, such as a memory-mapped index, counted once across them), in MB."""
    fields = {}
    for status in (f"/proc/{pid}/status", f"/proc/{pid}/smaps_rollup"):
        for line in Path(status).read_text().splitlines():
            key, _, value = line.partition(":")
            if key in {"VmRSS", "VmHWM", "Pss"}:
                fields[key] = round(int(value.split()[0]) / 1024, 1)  # kB
    return fields


def workers_of(server: subprocess.Popen[bytes]) -> list[int]:
    """The processes answering: with ``--workers N`` uvicorn's children, else the server itself."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    answering = [int(pid) for pid in children if "multiprocessing.spawn" in _command_line(int(pid))]
    return answering or [server.pid]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _wait_healthy(base: str, server: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"ckg serve exited with status {server.returncode} before it was healthy")
        try:
            if httpx.get(f"{base}/v1/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"ckg serve was not healthy within {timeout_s:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
