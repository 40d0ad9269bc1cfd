"""Ingestion throughput beside its physical floor: bare embedding of the same texts.

Ingests a folder into a fresh state directory (its own embedded graph server), then encodes, with
nothing else around, the very chunk texts it stored (with both embedding backends) and every text
it embedded (chunks and the evidence sentences answers are scored on, with the configured one).
Reports where ingestion time goes (parsing, embedding, clinical NLP, splitting and embedding the
evidence sentences, the rest: chunking, graph writes, index saves) and end-to-end throughput over
each floor, all from one run.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ckg.settings import EmbeddingSettings, Settings
from eval.report import Report
from graph.servers import ArcadeDBServer
from ingest.pipeline import parse_files
from retrieval.embeddings import Embedder, get_embedder
from runtime.system import System


@dataclass
class Recording:
    """The system's embedder, noting every text ingestion asks it to embed: the floor is exactly those."""

    inner: Embedder
    texts: list[str] = field(default_factory=list)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts, progress=progress)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def run(settings: Settings, folder: Path, limit: int | None) -> dict[str, object]:
    files = sorted(p for p in folder.iterdir() if p.suffix in {".html", ".md", ".txt", ".pdf"})[:limit]
    home = Path(tempfile.mkdtemp(prefix="ckg-bench-ingest-"))
    staged = home / "input"
    staged.mkdir()
    for f in files + [folder / "index.jsonl"] * (folder / "index.jsonl").exists():
        shutil.copy(f, staged / f.name)
    fresh = settings.model_copy(update={"home": home, "graph": settings.graph.model_copy(update={"uri": None})})
    try:
        started = time.perf_counter()
        documents = parse_files([staged], fresh.ingest)
        parse_s = time.perf_counter() - started
        system = System.open(fresh)
        system.embedder = recording = Recording(system.embedder)  # type: ignore[assignment]
        try:
            report = system.ingest(documents, progress=True)
            texts = [e.lexical_text for e in system.index.entries()]  # the text each vector encodes
        finally:
            system.close()
    finally:
        ArcadeDBServer(fresh.graph_dir).stop()
        shutil.rmtree(home, ignore_errors=True)
    # The configured backend first: torch's thread pool, once started, slows what runs after it.
    floor_s = len(recording.texts) / _bare(settings.embedding, settings.embedding.backend, recording.texts)
    backends = sorted(("torch", "onnx-int8"), key=lambda backend: backend != settings.embedding.backend)
    bare = {backend: _bare(settings.embedding, backend, texts) for backend in backends}
    total = parse_s + report.seconds
    other = report.seconds - report.embed_seconds - report.nlp_seconds - report.sentence_seconds
    parts = {"parse": parse_s, "embed": report.embed_seconds, "nlp": report.nlp_seconds,
             "evidence sentences": report.sentence_seconds, "chunking, graph writes, index": other}
    return {
        "documents": len(documents), "chunks": report.chunks, "embedding_backend": settings.embedding.backend,
        "end_to_end_chunks_per_s": round(report.chunks / total, 2),
        "bare_embedding_chunks_per_s": bare,
        "end_to_end_over_bare": round(report.chunks / total / bare[settings.embedding.backend], 3),
        "texts_embedded": len(recording.texts), "sentences_embedded": report.sentences_embedded,
        "bare_embedding_of_every_text_s": round(floor_s, 1),
        "end_to_end_over_bare_every_text": round(floor_s / total, 3),
        "seconds": {k: round(v, 1) for k, v in parts.items()} | {"total": round(total, 1)},
        "share": {k: _share(v, total) for k, v in parts.items()},
    }


def _bare(embedding: EmbeddingSettings, backend: str, texts: list[str]) -> float:
    embedder = get_embedder(embedding.model_copy(update={"backend": backend}))
    embedder.embed(texts[:8])  # warm-up
    started = time.perf_counter()
    embedder.embed(texts)
    return round(len(texts) / (time.perf_counter() - started), 2)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0


def add_to_report(report: Report, result: dict[str, object]) -> None:
    bare = result["bare_embedding_chunks_per_s"]
    assert isinstance(bare, dict)
    report.text(f"{result['documents']} documents, {result['chunks']} chunks, backend `{result['embedding_backend']}`. "
                f"End to end **{result['end_to_end_chunks_per_s']} chunks/s**; bare embedding of the same texts: "
                f"torch {bare['torch']}, onnx-int8 {bare['onnx-int8']} chunks/s. End to end reaches "
                f"**{result['end_to_end_over_bare']:.0%}** of the bare embedding floor of its backend.")
    report.text(f"Ingestion embeds more than its chunks: {result['texts_embedded']} texts in all, the chunks and "
                f"{result['sentences_embedded']} evidence sentences (each as written and with the guideline's "
                f"abbreviations spelled out), so that answering never embeds them. Embedding exactly those texts, "
                f"bare, takes {result['bare_embedding_of_every_text_s']} s: end to end reaches "
                f"**{result['end_to_end_over_bare_every_text']:.0%}** of that floor.")
    report.table({"seconds": result["seconds"], "share": result["share"]}, "")  # type: ignore[dict-item]
    share = result["share"]
    assert isinstance(share, dict)
    report.bars("ingest-time", "Where ingestion time goes (share)", {"share": share})
