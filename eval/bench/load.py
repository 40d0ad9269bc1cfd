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
from typing import Any

import httpx

from ckg.settings import Settings
from eval.bench.served import api_keys, served
from eval.metrics import percentiles
from eval.report import Report

MIX = [("question", 0.7, 200), ("history", 0.1, 200), ("invalid", 0.1, 422), ("unauthenticated", 0.1, 401)]


def run(settings: Settings, questions: list[str], clients: int = 50, seconds: float = 60.0) -> dict[str, Any]:
    """One client alone first (the baseline, same server), then all of them."""
    keys = api_keys(settings, clients)
    with served(settings.home) as (base, _, startup_s):
        alone = asyncio.run(_load(base, keys[:1], questions, max(10.0, seconds / 6)))
        loaded = asyncio.run(_load(base, keys, questions, seconds))
    return {"clients": clients, "seconds": seconds, "startup_s": round(startup_s, 1),
            "answer_concurrency": settings.api.answer_concurrency, "max_queue_s": settings.api.max_queue_s,
            **loaded, "one_client": alone}


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
    report.text(f"{result['clients']} clients for {result['seconds']:.0f} s: **{result['requests']} requests, "
                f"{result['requests_per_s']} requests/s, {result['errors']} errors; {result['answers_per_s']} "
                f"answers/s, {result['questions_shed']:.1%} of questions shed** (503 at once). All requests p50 "
                f"{result['all_latency']['p50_ms']} ms, p95 {result['all_latency']['p95_ms']} ms (latency of "
                "503s included).")
    alone = result["one_client"]
    report.text(f"Baseline, one client alone on the same server just before: {alone['requests_per_s']} requests/s, "
                f"questions p50 {alone['latency']['question']['p50_ms']} ms. Under load the server answers "
                f"{result['answer_concurrency']} questions at a time per worker, queues those it expects to start "
                f"within {result['max_queue_s']} s and sheds the rest: throughput, not concurrency, is the limit on "
                "this machine.")
    report.table(result["latency"], "latency by kind")
    report.table({"responses": result["statuses"]}, "")
    if result["error_kinds"]:
        report.table({"errors": result["error_kinds"]}, "")
