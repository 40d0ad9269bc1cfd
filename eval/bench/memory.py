"""Peak memory of the API server with a corpus loaded and serving questions.

Starts ``ckg serve`` on a free loopback port against CKG_HOME, waits for /v1/healthz, sends
the questions, then reads the server process's peak resident set (VmHWM) from /proc. The graph
server runs in its own process and is reported separately when it is the embedded one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from eval.metrics import percentiles
from eval.report import Report


def run(home: Path, questions: list[str], timeout_s: float = 300.0) -> dict[str, object]:
    port = _free_port()
    env = {**os.environ, "CKG_HOME": str(home)}
    ckg = Path(sys.executable).with_name("ckg")
    server = subprocess.Popen([str(ckg), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        _wait_healthy(base, server, timeout_s)
        startup_s = time.perf_counter() - started
        after_start = _memory_mb(server.pid)
        latencies = []
        with httpx.Client(base_url=base, timeout=120) as client:
            for q in questions:
                t = time.perf_counter()
                client.post("/v1/query", json={"question": q}).raise_for_status()
                latencies.append((time.perf_counter() - t) * 1000)
        peak = _memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    return {"questions": len(questions), "startup_s": round(startup_s, 1),
            "rss_after_startup_mb": after_start["VmRSS"], "rss_after_queries_mb": peak["VmRSS"],
            "peak_rss_mb": peak["VmHWM"], "query_latency": percentiles(latencies)}


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


def _memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = round(int(value.split()[0]) / 1024, 1)  # kB
    return fields


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_to_report(report: Report, result: dict[str, object], corpus: dict[str, object]) -> None:
    report.text(f"Corpus: {corpus}. Startup {result['startup_s']} s; after {result['questions']} questions the API "
                f"process peaked at **{result['peak_rss_mb']} MB** resident (graph server excluded).")
    report.table({"API server": {k: v for k, v in result.items() if k != "query_latency"}}, "")
    latency = result["query_latency"]
    assert isinstance(latency, dict)
    report.table({"/v1/query over HTTP": latency}, "")
