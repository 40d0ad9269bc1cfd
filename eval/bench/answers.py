"""Answer latency, stage by stage: splitting and embedding the evidence sentences per question,
remembering their vectors per process, or reading what ingestion stored — same run, same answers.

The questions (by default the specialist set's 63, written like a clinician types them) are
answered three times over the state directory's corpus, in the same order: by the pipeline that
splits and embeds every candidate evidence sentence per question (the baseline); with only the
per-process vector cache, starting empty (every saving comes from sentences an earlier, different
question brought in); and as configured, with the sentences split and embedded at ingestion
(``ckg ingest`` stores them; an index written before gets them by ingesting its guidelines
again). Each pass starts with the sentence-splitting memo empty. The answers must be the same.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from answering.pipeline import QueryPipeline
from ckg.text import forget_splits
from eval.report import Report
from retrieval.sentence_cache import CachingEmbedder
from runtime.system import System


def run(system: System, questions: list[str], capacity: int) -> dict[str, Any]:
    plain = _uncached(system.pipeline)
    cache_only = CachingEmbedder(_inner(system.pipeline.gate.embedder), capacity)
    stored = CachingEmbedder(_inner(system.pipeline.gate.embedder), capacity, system.index.sentences.lookup)
    plain.ask(questions[0])  # warm-up: models, vocabularies and the graph connection, for all
    passes = {"embedding every sentence": _pass(plain, questions),
              "cache only": _pass(_with_embedder(plain, cache_only), questions),
              "stored sentences": _pass(_with_embedder(plain, stored, system.index.quotable_spans), questions)}
    baseline = passes["embedding every sentence"]
    return {
        "questions": len(questions), "cache_capacity": capacity, "stored_sentences": len(system.index.sentences),
        "cache_hit_rate": _rate(cache_only.hits, cache_only.misses),
        "stored_hit_rate": _rate(stored.stored_hits, stored.hits + stored.misses),
        "same_answers": {name: sum(a == b for a, b in zip(baseline["answers"], p["answers"], strict=True))
                         for name, p in passes.items()},
        "latency_ms": {name: p["latency_ms"] for name, p in passes.items()},
        "p95_ratio": round(passes["stored sentences"]["latency_ms"]["total"]["p95"]
                           / baseline["latency_ms"]["total"]["p95"], 3),
    }


def _rate(hits: int, misses: int) -> float:
    return round(hits / max(hits + misses, 1), 3)


def _inner(embedder: Any) -> Any:
    return embedder.inner if isinstance(embedder, CachingEmbedder) else embedder


def _with_embedder(pipeline: QueryPipeline, embedder: Any, spans: Any = None) -> QueryPipeline:
    """The relevance gate is where an extractive answer splits and embeds its evidence sentences
    (the exact-span verifier embeds nothing); without stored spans it splits them per question."""
    return replace(pipeline, gate=replace(pipeline.gate, embedder=embedder, stored_spans=spans))


def _uncached(pipeline: QueryPipeline) -> QueryPipeline:
    return _with_embedder(pipeline, _inner(pipeline.gate.embedder))


def _pass(pipeline: QueryPipeline, questions: list[str]) -> dict[str, Any]:
    forget_splits()
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
    same = ", ".join(f"{name} {n}" for name, n in result["same_answers"].items())
    report.text(
        f"{result['questions']} questions, answered three times in the same order. The cache "
        f"({result['cache_capacity']:,} sentences) started empty: hit rate {result['cache_hit_rate']:.0%}. "
        f"{result['stored_sentences']:,} sentence vectors stored at ingestion: **{result['stored_hit_rate']:.0%}** "
        f"of the sentences scored found one. p95 stored / split and embedded per question: "
        f"**{result['p95_ratio']:.2f}**. "
        f"The same answer as the baseline, of {result['questions']}: {same}.")
    rows = {f"{name}, {stage}": v for name, stages in result["latency_ms"].items() for stage, v in stages.items()}
    report.table(rows, "")
