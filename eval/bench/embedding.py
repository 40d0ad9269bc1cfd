"""Embedding backends side by side: torch (sentence-transformers) against ONNX Runtime int8.

Speed: both encode the same chunk texts in one run (passages/s and the ratio). Quality: the
PubMedQA questions against the corpus already ingested in CKG_HOME, ranked by the stored vectors
and by the same chunks re-encoded with the other backend, with and without BM25 fused, so the
only difference is the backend. The int8 backend may be the default only if no metric drops by
more than one point from torch's.
"""

from __future__ import annotations

import random
import time

import numpy as np

from ckg.settings import EmbeddingSettings
from eval.datasets import Dataset
from eval.metrics import ranking_metrics
from eval.report import Report
from retrieval.embeddings import Embedder, get_embedder
from retrieval.fusion import reciprocal_rank_fusion
from runtime.system import System

TOLERANCE = 0.01  # "within one point"
DEPTH = 50


def run(system: System, dataset: Dataset, speed_sample: int = 256) -> dict[str, object]:
    ingested_with = system.settings.embedding.backend
    other = "torch" if ingested_with == "onnx-int8" else "onnx-int8"
    embedders = {ingested_with: system.embedder,
                 other: get_embedder(EmbeddingSettings(**{**system.settings.embedding.model_dump(), "backend": other}))}
    torch_embedder, int8 = embedders["torch"], embedders["onnx-int8"]
    chunk_ids, stored = system.index.matrix()
    embedded = {e.chunk_id: e.lexical_text for e in system.index.entries()}  # the text each vector encodes
    texts = [embedded[c] for c in chunk_ids]
    sample = random.Random(7).sample(texts, min(speed_sample, len(texts)))
    speed = {"torch": _throughput(torch_embedder, sample), "onnx-int8": _throughput(int8, sample)}
    owner = system.graph.guideline_of(chunk_ids)
    questions = [q.text for q in dataset.queries]
    golds = [q.gold for q in dataset.queries]
    bm25 = [system.retriever.bm25(q, DEPTH) for q in questions]
    quality = {}
    for name, embedder in embedders.items():
        vectors = stored if name == ingested_with else embedder.embed(texts, progress=True)
        dense = _exact_rankings(embedder.embed(questions), vectors, chunk_ids)
        fused = [[h.chunk_id for h in reciprocal_rank_fusion({"dense": d, "bm25": b}, system.retriever.rrf_k, {})]
                 for d, b in zip(dense, bm25, strict=True)]
        quality[f"{name} dense"] = ranking_metrics([_documents(r, owner) for r in dense], golds)
        quality[f"{name} dense+bm25"] = ranking_metrics([_documents(r, owner) for r in fused], golds)
    drops = {f"{kind} {m}": round(quality[f"torch {kind}"][m] - quality[f"onnx-int8 {kind}"][m], 4)
             for kind in ("dense", "dense+bm25") for m in ("recall@1", "recall@5", "mrr@10")}
    return {
        "chunks": len(chunk_ids), "questions": len(questions),
        "speed_passages_per_s": speed, "speedup": round(speed["onnx-int8"] / speed["torch"], 2),
        "cosine_to_torch": _cosines(int8.embed(sample[:64]), torch_embedder.embed(sample[:64])),
        "retrieval": quality, "largest_drop": max(drops.values()),
        "int8_within_one_point": max(drops.values()) <= TOLERANCE,
    }


def _throughput(embedder: Embedder, texts: list[str]) -> float:
    embedder.embed(texts[:8])  # warm-up
    started = time.perf_counter()
    embedder.embed(texts)
    return round(len(texts) / (time.perf_counter() - started), 2)


def _exact_rankings(queries: np.ndarray, vectors: np.ndarray, ids: list[str]) -> list[list[str]]:
    top = np.argsort(-(queries @ vectors.T), axis=1)[:, :DEPTH]
    return [[ids[i] for i in row] for row in top]


def _documents(chunks: list[str], owner: dict[str, str]) -> list[str]:
    return list(dict.fromkeys(owner[c] for c in chunks if c in owner))[:10]


def _cosines(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cos = (a * b).sum(axis=1)
    return {"mean": round(float(cos.mean()), 4), "min": round(float(cos.min()), 4)}


def add_to_report(report: Report, result: dict[str, object]) -> None:
    speed = result["speed_passages_per_s"]
    quality = result["retrieval"]
    assert isinstance(speed, dict) and isinstance(quality, dict)
    report.text(f"{result['chunks']} chunks, {result['questions']} questions. Encoding speed on the same "
                f"chunk texts: torch {speed['torch']} passages/s, onnx-int8 {speed['onnx-int8']} passages/s: "
                f"**{result['speedup']}×**. Cosine of int8 to torch vectors: {result['cosine_to_torch']}.",
                f"Largest retrieval drop (recall@1, recall@5, MRR@10): **{result['largest_drop']:.3f}** — "
                + ("within one point: int8 may be the default." if result["int8_within_one_point"]
                   else "more than one point: torch stays the default."))
    report.table(quality, "backend / retriever")
    report.bars("embedding-speed", "Encoding throughput (passages/s)", {"passages/s": speed})
    report.bars("embedding-quality", "Retrieval by backend",
                {n: {m: r[m] for m in ("recall@1", "recall@5", "mrr@10")} for n, r in quality.items()})


