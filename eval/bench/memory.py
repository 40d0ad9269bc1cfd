"""Peak memory of the API server with a corpus loaded and serving questions.

Starts ``ckg serve`` on a free loopback port against CKG_HOME, waits for /v1/healthz, sends
the questions, then reads the server process's peak resident set (VmHWM) from /proc. The graph
server runs in its own process and is reported separately when it is the embedded one.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from ckg.settings import Settings
from eval.bench.served import api_keys, served
from eval.metrics import percentiles
from eval.report import Report


def run(settings: Settings, questions: list[str], timeout_s: float = 300.0) -> dict[str, object]:
    auth = {"Authorization": f"Bearer {api_keys(settings, 1)[0]}"}
    with served(settings.home, timeout_s) as (base, server, startup_s):
        after_start = _memory_mb(server.pid)
        latencies = []
        with httpx.Client(base_url=base, timeout=120, headers=auth) as client:
            for q in questions:
                t = time.perf_counter()
                client.post("/v1/query", json={"question": q}).raise_for_status()
                latencies.append((time.perf_counter() - t) * 1000)
        peak = _memory_mb(server.pid)
    return {"questions": len(questions), "startup_s": round(startup_s, 1),
            "rss_after_startup_mb": after_start["VmRSS"], "rss_after_queries_mb": peak["VmRSS"],
            "peak_rss_mb": peak["VmHWM"], "query_latency": percentiles(latencies)}


def _memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = round(int(value.split()[0]) / 1024, 1)  # kB
    return fields


def add_to_report(report: Report, result: dict[str, object], corpus: dict[str, object]) -> None:
    report.text(f"Corpus: {corpus}. Startup {result['startup_s']} s; after {result['questions']} questions the API "
                f"process peaked at **{result['peak_rss_mb']} MB** resident (graph server excluded).")
    report.table({"API server": {k: v for k, v in result.items() if k != "query_latency"}}, "")
    latency = result["query_latency"]
    assert isinstance(latency, dict)
    report.table({"/v1/query over HTTP": latency}, "")
