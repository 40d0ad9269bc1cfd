"""The API under load: concurrent clients against `ckg serve` on loopback.

Each client has its own API key (rate limits are per credential) and sends, in a loop, a mix
of what a ward sends: questions (70%), its own history (10%), invalid requests (10%: an empty
question) and calls without a credential (10%), waiting as long as `Retry-After` says when told.
Counted as errors: transport failures and any status other than the one expected for that kind
of call; 429 (rate limit) is expected anywhere, and 503 (shed at capacity) for questions, where
it is counted as shed. Question latency is that of the answered; "question shed", of the 503s.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import httpx

from ckg.settings import Settings
from eval.bench.served import api_keys, memory_mb, served, workers_of
from eval.metrics import percentiles
from eval.report import Report

MIX = [("question", 0.7, 200), ("history", 0.1, 200), ("invalid", 0.1, 422), ("unauthenticated", 0.1, 401)]


def run(settings: Settings, questions: list[str], clients: int = 50, seconds: float = 60.0,
        workers: Sequence[int] = (1,)) -> dict[str, Any]:
    """Per worker count: one client alone first (the baseline, same server), then all of them."""
    keys = api_keys(settings, clients)
    return {"clients": clients, "seconds": seconds, "answer_concurrency": settings.api.answer_concurrency,
            "max_queue_s": settings.api.max_queue_s,
            "by_workers": {str(n): _served_load(settings, keys, questions, seconds, n) for n in workers}}


def _served_load(settings: Settings, keys: list[str], questions: list[str], seconds: float,
                 workers: int) -> dict[str, Any]:
    with served(settings.home, workers=workers) as (base, server, startup_s):
        answering = workers_of(server)
        while len(answering) < workers:  # the others are still being started
            time.sleep(1)
            answering = workers_of(server)
        alone = asyncio.run(_load(base, keys[:1], questions, max(10.0, seconds / 6)))
        loaded = asyncio.run(_load(base, keys, questions, seconds))
        memory = [memory_mb(pid) for pid in answering]
    return {"workers": workers, "startup_s": round(startup_s, 1), **loaded, "one_client": alone,
            "peak_rss_per_worker_mb": max(m["VmHWM"] for m in memory),
            "pss_all_workers_mb": round(sum(m["Pss"] for m in memory), 1)}


async def _load(base: str, keys: list[str], questions: list[str], seconds: float) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    latencies: dict[str, list[float]] = {kind: [] for kind in [*(k for k, _, _ in MIX), "question shed"]}
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(keys))

    async def client(key: str, rng: random.Random) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
            while time.monotonic() < deadline:
                kind, expected = _pick(rng)
                started = time.perf_counter()
                try:
                    response = await _send(http, kind, key, rng.choice(questions))
                except httpx.HTTPError as exc:
                    errors[f"{kind}: {type(exc).__name__}"] += 1
                    continue
                status = response.status_code
                latencies["question shed" if status == 503 else kind].append((time.perf_counter() - started) * 1000)
                statuses[f"{kind} {status}"] += 1
                if status not in (expected, 429) and (kind, status) != ("question", 503):
                    errors[f"{kind}: {status}"] += 1
                if "Retry-After" in response.headers:  # a well-behaved client waits as told
                    await asyncio.sleep(min(float(response.headers["Retry-After"]), deadline - time.monotonic()))

    started = time.monotonic()
    await asyncio.gather(*(client(key, random.Random(i)) for i, key in enumerate(keys)))
    elapsed = time.monotonic() - started
    done = sum(statuses.values())
    asked = sum(n for k, n in statuses.items() if k.startswith("question "))
    shed = statuses.get("question 503", 0)
    return {"requests": done, "requests_per_s": round(done / elapsed, 1), "errors": sum(errors.values()),
            "answers_per_s": round(statuses.get("question 200", 0) / elapsed, 2),
            "questions_shed": round(shed / asked, 3) if asked else 0.0,
            "error_kinds": dict(errors), "statuses": dict(sorted(statuses.items())),
            "latency": {kind: percentiles(values) for kind, values in latencies.items()},
            "all_latency": percentiles([v for values in latencies.values() for v in values])}


def _pick(rng: random.Random) -> tuple[str, int]:
    roll, total = rng.random(), 0.0
    for kind, share, expected in MIX:
        total += share
        if roll < total:
            return kind, expected
    return MIX[0][0], MIX[0][2]


async def _send(http: httpx.AsyncClient, kind: str, key: str, question: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {key}"}
    if kind == "question":
        return await http.post("/v1/query", json={"question": question}, headers=auth)
    if kind == "history":
        return await http.get("/v1/history", params={"limit": 10}, headers=auth)
    if kind == "invalid":
        return await http.post("/v1/query", json={"question": ""}, headers=auth)
    return await http.post("/v1/query", json={"question": question})


def add_to_report(report: Report, result: dict[str, Any]) -> None:
    report.text(f"{result['clients']} clients for {result['seconds']:.0f} s against `ckg serve --workers N`. Each "
                f"worker answers {result['answer_concurrency']} questions at a time, queues those it expects to "
                f"start within {result['max_queue_s']} s and sheds the rest (503 with Retry-After, at once): "
                "throughput, not concurrency, is the limit on this machine. Questions' latency is that of the "
                "answered; peak memory is the highest resident set of one worker, Pss the workers' memory with "
                "shared pages (libraries, the memory-mapped index) counted once.")
    report.table({f"--workers {n}": _headline(run) for n, run in result["by_workers"].items()}, "")
    for n, run in result["by_workers"].items():
        report.text(f"**--workers {n}**: {run['requests']} requests, {run['requests_per_s']} requests/s, "
                    f"{run['errors']} errors. Baseline, one client alone on the same server just before: "
                    f"{run['one_client']['requests_per_s']} requests/s, questions p50 "
                    f"{run['one_client']['latency']['question']['p50_ms']} ms.")
        report.table(run["latency"], "latency by kind")
        report.table({"responses": run["statuses"]}, "")
        if run["error_kinds"]:
            report.table({"errors": run["error_kinds"]}, "")


def _headline(run: dict[str, Any]) -> dict[str, Any]:
    return {"answers_per_s": run["answers_per_s"], "answered_p95_ms": run["latency"]["question"]["p95_ms"],
            "questions_shed": run["questions_shed"], "errors": run["errors"],
            "one_client_p50_ms": run["one_client"]["latency"]["question"]["p50_ms"],
            "peak_rss_per_worker_mb": run["peak_rss_per_worker_mb"], "pss_all_workers_mb": run["pss_all_workers_mb"],
            "startup_s": run["startup_s"]}
