"""Start-up time and peak memory of the API server with a corpus loaded and serving questions.

Starts ``ckg serve`` on a free loopback port against CKG_HOME, waits for /v1/healthz, sends
the questions, then reads the server process's peak resident set (VmHWM) from /proc. The graph
server runs in its own process and is not counted. Start-up is timed twice: a first start on
this machine (no vocabulary, phrase or drug-name cache: an empty cache directory) and a later
one. What each part of a start costs is measured in a fresh interpreter (``eval.bench.startup``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import httpx

from ckg.settings import Settings
from eval.bench.served import api_keys, memory_mb, served
from eval.metrics import percentiles
from eval.report import Report


def run(settings: Settings, questions: list[str], timeout_s: float = 300.0) -> dict[str, object]:
    auth = {"Authorization": f"Bearer {api_keys(settings, 1)[0]}"}
    with tempfile.TemporaryDirectory() as empty_cache, \
            served(settings.home, timeout_s, env={"XDG_CACHE_HOME": empty_cache}) as (_, _, first_start_s):
        pass
    with served(settings.home, timeout_s) as (base, server, startup_s):
        after_start = memory_mb(server.pid)
        latencies = []
        with httpx.Client(base_url=base, timeout=120, headers=auth) as client:
            for q in questions:
                t = time.perf_counter()
                client.post("/v1/query", json={"question": q}).raise_for_status()
                latencies.append((time.perf_counter() - t) * 1000)
        peak = memory_mb(server.pid)
    return {"embedder": settings.embedding.backend, "questions": len(questions),
            "first_startup_s": round(first_start_s, 1), "startup_s": round(startup_s, 1),
            "rss_after_startup_mb": after_start["VmRSS"], "rss_after_queries_mb": peak["VmRSS"],
            "pss_after_queries_mb": peak["Pss"],
            "peak_rss_mb": peak["VmHWM"], "query_latency": percentiles(latencies), "parts": startup_parts(settings)}


def startup_parts(settings: Settings) -> dict[str, object]:
    """Each part of a start, measured in a fresh interpreter against the same state directory."""
    done = subprocess.run([sys.executable, "-m", "eval.bench.startup"], capture_output=True, text=True, check=True,
                          env={**os.environ, "CKG_HOME": str(settings.home)})
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def add_to_report(report: Report, result: dict[str, object], corpus: dict[str, object]) -> None:
    report.text(f"Corpus: {corpus}; embedder backend {result['embedder']}. "
                f"Healthy after **{result['startup_s']} s** ({result['first_startup_s']} s on a "
                f"first start, building its caches: vocabularies, concept phrases, drug names); "
                f"after {result['questions']} questions the API "
                f"process peaked at **{result['peak_rss_mb']} MB** resident (graph server excluded).")
    report.table({"API server": {k: v for k, v in result.items() if k not in {"query_latency", "parts"}}}, "")
    latency, parts = result["query_latency"], result["parts"]
    assert isinstance(latency, dict) and isinstance(parts, dict)
    report.table({"/v1/query over HTTP": latency}, "")
    report.text("What each part of a start costs, loaded in the order `ckg serve` loads them in one fresh "
                "interpreter (memory: what the part adds to the parts before it):")
    report.table({row["part"]: {"seconds": row["seconds"], "rss_added_mb": row["rss_added_mb"]}
                  for row in parts["serve"]}, "")
    report.text("The same parts as they were loaded before, measured after the above in the same process:")
    report.table({row["part"]: {"seconds": row["seconds"], "rss_added_mb": row["rss_added_mb"]}
                  for row in parts["replaced"]}, "")
