"""Answer latency, stage by stage, with and without the evidence-sentence cache, same run.

The questions (by default the specialist set's 63, written like a clinician types them) are
answered twice over the state directory's corpus, in the same order: once by the pipeline that
embeds every candidate evidence sentence per question (the baseline), once by the same pipeline
with a cache that starts empty, so every saving comes from sentences an earlier, different
question already brought in. The answers must be the same.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from answering.pipeline import QueryPipeline
from eval.report import Report
from retrieval.sentence_cache import CachingEmbedder
from runtime.system import System


def run(system: System, questions: list[str], capacity: int) -> dict[str, Any]:
    plain = _uncached(system.pipeline)
    cached_embedder = CachingEmbedder(_inner(system.pipeline.gate.embedder), capacity)
    cached = _with_embedder(plain, cached_embedder)
    plain.ask(questions[0])  # warm-up: models, vocabularies and the graph connection, for both
    passes = {"without cache": _pass(plain, questions), "with cache": _pass(cached, questions)}
    same = sum(a == b for a, b in zip(passes["without cache"]["answers"], passes["with cache"]["answers"], strict=True))
    return {
        "questions": len(questions), "cache_capacity": capacity,
        "cache_hit_rate": round(cached_embedder.hits / max(cached_embedder.hits + cached_embedder.misses, 1), 3),
        "same_answers": same,
        "latency_ms": {name: p["latency_ms"] for name, p in passes.items()},
        "p95_ratio": round(passes["with cache"]["latency_ms"]["total"]["p95"]
                           / passes["without cache"]["latency_ms"]["total"]["p95"], 3),
    }


def _inner(embedder: Any) -> Any:
    return embedder.inner if isinstance(embedder, CachingEmbedder) else embedder


def _with_embedder(pipeline: QueryPipeline, embedder: Any) -> QueryPipeline:
    """The relevance gate is where an extractive answer embeds its evidence sentences (the exact-span
    verifier embeds nothing)."""
    return replace(pipeline, gate=replace(pipeline.gate, embedder=embedder))


def _uncached(pipeline: QueryPipeline) -> QueryPipeline:
    return _with_embedder(pipeline, _inner(pipeline.gate.embedder))


def _pass(pipeline: QueryPipeline, questions: list[str]) -> dict[str, Any]:
    timings: list[dict[str, float]] = []
    answers = []
    for question in questions:
        started = time.perf_counter()
        answer = pipeline.ask(question)
        timings.append({**answer.timings_ms, "total": (time.perf_counter() - started) * 1000})
        answers.append((answer.abstained, tuple(s.text for s in answer.sentences)))
    stages = sorted({k for t in timings for k in t})
    return {"answers": answers, "latency_ms": {
        stage: {"p50": round(float(np.percentile(v, 50)), 1), "p95": round(float(np.percentile(v, 95)), 1)}
        for stage in stages if (v := [t[stage] for t in timings if stage in t])}}


def add_to_report(report: Report, result: dict[str, Any]) -> None:
    report.text(
        f"{result['questions']} questions, answered twice in the same order; the cache ({result['cache_capacity']:,} "
        f"sentences) started empty: hit rate **{result['cache_hit_rate']:.0%}**, p95 with/without "
        f"**{result['p95_ratio']:.2f}**, the same answer {result['same_answers']} of {result['questions']} times.")
    rows = {f"{name}, {stage}": v for name, stages in result["latency_ms"].items() for stage, v in stages.items()}
    report.table(rows, "")
