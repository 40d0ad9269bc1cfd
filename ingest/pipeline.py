"""Ingestion: parse everything first, then store each document whole (graph + index) or not at all.

A run first parses and validates every file; if any is bad, nothing is written and every
problem is reported. Then each document is chunked, embedded and written to the graph in one
transaction; its vectors join the index, which is saved once as an atomic snapshot. A
document whose normalised text is already stored as its guideline's current version is
skipped, so a re-run is a no-op. If a run dies between the graph write and the index save,
``reconcile`` (run whenever the system opens) re-embeds what the index lacks from the graph.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ckg import dates, ids
from ckg.errors import DocumentTooLarge, InputError
from ckg.hashing import sha256_text
from ckg.nlp.pipeline import get_nlp
from ckg.settings import IngestSettings
from ckg.types import Chunk, Document, embed_text
from graph.store import GraphStore, GuidelineState, Retirement, VersionWrite
from ingest.chunking import chunk_document
from ingest.concepts import chunk_mentions
from ingest.discovery import discover, read_sidecar
from ingest.loaders import load_document
from ingest.recommendations import extract_recommendations
from ingest.sentences import evidence_sentences, guideline_definitions
from ingest.supersession import previous_version_citation, superseded_by_metadata
from ingest.version_diff import VersionDiff, diff_versions
from retrieval.embeddings import Embedder
from retrieval.sentence_vectors import ChunkSentences
from retrieval.vector_index import IndexedChunk, VectorIndex

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    nlp_seconds: float = 0.0
    mentions: int = 0
    recommendations: int = 0
    graded_recommendations: int = 0
    vectors_embedded: int = 0
    sentences_embedded: int = 0  # evidence sentences embedded for answering (see ingest/sentences.py)
    sentence_seconds: float = 0.0
    sentences_backfilled: int = 0  # unchanged guidelines that got the sentence vectors their index lacked
    vectors_reused: int = 0  # chunks of an updated document whose text did not change keep their vector
    retired_skipped: list[str] = field(default_factory=list)  # withdrawn or superseded: not brought back
    superseded: list[dict[str, str]] = field(default_factory=list)  # read from metadata: {guideline_id, by}
    changes: list[VersionDiff] = field(default_factory=list)  # one per updated guideline
    versions: list[str] = field(default_factory=list)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0

    @property
    def embed_chunks_per_second(self) -> float:
        """Bare embedding throughput on the same chunks: the floor ingestion cannot beat."""
        return self.vectors_embedded / self.embed_seconds if self.embed_seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "changes": [c.as_dict() for c in self.changes],
            "chunks_per_second": round(self.chunks_per_second, 2),
            "embed_chunks_per_second": round(self.embed_chunks_per_second, 2),
            "embedding_share": round(self.embed_seconds / self.seconds, 3) if self.seconds else 0.0,
            "nlp_share": round(self.nlp_seconds / self.seconds, 3) if self.seconds else 0.0,
        }


class BatchInvalid(InputError):
    """Several inputs failed validation; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} input(s) rejected, nothing was written:\n  " + "\n  ".join(problems))


def parse_files(paths: list[Path], settings: IngestSettings) -> list[Document]:
    files = discover(paths)
    sidecars: dict[Path, dict[str, dict[str, str]]] = {}
    documents: list[Document] = []
    problems: list[str] = []
    for path in files:
        try:
            size = path.stat().st_size
            if size > settings.max_file_bytes:
                raise DocumentTooLarge(
                    f"is {size:,} bytes, over the limit of {settings.max_file_bytes:,} (CKG_INGEST__MAX_FILE_BYTES)",
                    source=str(path),
                )
            if path.parent not in sidecars:
                sidecars[path.parent] = read_sidecar(path.parent)
            documents.append(load_document(path, path.read_bytes(), sidecars[path.parent].get(path.name)))
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise problems_error(problems)
    _check_unique_ids(documents)
    return documents


def problems_error(problems: list[str]) -> InputError:
    return InputError(problems[0]) if len(problems) == 1 else BatchInvalid(problems)


def _check_unique_ids(documents: list[Document]) -> None:
    seen: dict[str, str] = {}
    for doc in documents:
        other = seen.setdefault(doc.meta.guideline_id, doc.meta.source)
        if other != doc.meta.source:
            raise InputError(f"guideline id {doc.meta.guideline_id!r} is claimed by both {other} and {doc.meta.source}")


@dataclass
class Ingestor:
    graph: GraphStore
    embedder: Embedder
    index: VectorIndex
    settings: IngestSettings
    actor: str = "cli"
    # Sections never quoted (the gate's list): their sentences are not embedded. None: store no
    # sentence vectors (answering then embeds the sentences it scores).
    non_evidence_sections: tuple[str, ...] | None = None

    def ingest(
        self, documents: Iterable[Document], *, total: int | None = None, progress: bool = False
    ) -> IngestReport:
        report = IngestReport()
        started = time.perf_counter()
        bar = tqdm(documents, total=total, unit="doc", disable=not progress, desc="ingest")
        try:
            for doc in bar:
                self._ingest_one(doc, report)
                bar.set_postfix(chunks=report.chunks)
        finally:
            if report.added or report.updated or report.sentences_backfilled:
                self.index.save()
            report.seconds = time.perf_counter() - started
        return report

    def _ingest_one(self, doc: Document, report: IngestReport) -> None:
        report.documents += 1
        sha = sha256_text(doc.text)
        version_id = ids.version_id(doc.meta.guideline_id, sha)
        state = self.graph.guideline_state(doc.meta.guideline_id)
        if state and state.retired:  # a folder re-ingested whole must not bring a retired guideline back
            report.retired_skipped.append(doc.meta.guideline_id)
            log.info("retired guideline skipped", extra={"guideline_id": doc.meta.guideline_id})
            return
        if state and state.current_version == version_id:  # ids are content hashes: same id, same text
            report.unchanged += 1
            self._backfill_sentences(doc, version_id, report)
            return
        replaced = self.graph.current_chunks_replaced_by(doc.meta.guideline_id, version_id)
        chunks = chunk_document(doc, version_id, self.embedder, overlap=self.settings.chunk_overlap_tokens,
                                header_max_tokens=self.settings.header_max_tokens)
        t0 = time.perf_counter()
        concepts, mentions = chunk_mentions(get_nlp(), chunks)
        t1 = time.perf_counter()
        vectors = self._vectors(chunks, replaced, report)
        report.nlp_seconds += t1 - t0
        t2 = time.perf_counter()
        report.embed_seconds += t2 - t1
        sentences = self._sentence_vectors(doc, chunks, report)
        report.sentence_seconds += time.perf_counter() - t2
        report.mentions += len(mentions)
        recommendations = extract_recommendations(doc, version_id, chunks)
        report.recommendations += len(recommendations)
        report.graded_recommendations += sum(r.grade.graded for r in recommendations)
        valid_from = _valid_from(doc.meta.released, state)
        self.graph.write_version(VersionWrite(doc, version_id, sha, chunks, concepts, mentions,
                                              recommendations, valid_from, self.actor))
        if state and state.current_version and state.current_version != version_id:
            report.changes.append(diff_versions(self.graph, state.current_version, version_id))
        self._supersede_from_metadata(doc, valid_from, report)
        self.index.remove(replaced)
        self.index.add([IndexedChunk(c.chunk_id, c.embed_text) for c in chunks], vectors, sentences)
        report.chunks += len(chunks)
        report.versions.append(version_id)
        if replaced:
            report.updated += 1
        else:
            report.added += 1
        log.info("ingested", extra={"version_id": version_id, "chunks": len(chunks), "sha256": sha})

    def _supersede_from_metadata(self, doc: Document, valid_from: str, report: IngestReport) -> None:
        """Retire the guidelines this one's metadata says it updates (older ones only: two guidelines
        citing each other's title must not retire each other)."""
        if previous_version_citation(doc.meta.status) is None:
            return
        named = superseded_by_metadata(doc.meta.guideline_id, doc.meta.status, self.graph.active_guideline_titles())
        for old_id in named:
            old = self.graph.guideline_state(old_id)
            if old is None or old.retired or (old.current_valid_from or "") >= valid_from:
                continue
            replaced = self.graph.retire(Retirement(old_id, "superseded", dates.now(), self.actor,
                                                    reason=f"{doc.meta.guideline_id}'s metadata names it as the "
                                                    "previous version", by=doc.meta.guideline_id, source="metadata"))
            if replaced:
                self.index.remove_version(replaced)
            report.superseded.append({"guideline_id": old_id, "by": doc.meta.guideline_id})

    def _vectors(self, chunks: list[Chunk], replaced: list[str], report: IngestReport) -> np.ndarray:
        """A vector per chunk: the replaced version's where the text is the same, new ones for the rest."""
        known = self.index.vectors_by_text(replaced)
        new = [c.embed_text for c in chunks if c.embed_text not in known]
        embedded = dict(zip(new, self.embedder.embed(new), strict=True)) if new else {}
        report.vectors_embedded += len(new)
        report.vectors_reused += len(chunks) - len(new)
        return np.stack([known[c.embed_text] if c.embed_text in known else embedded[c.embed_text] for c in chunks])

    def _backfill_sentences(self, doc: Document, version_id: str, report: IngestReport) -> None:
        """An unchanged guideline indexed before sentence vectors (or its abbreviations) were stored
        gets them now (chunking is deterministic: the same text gives the same chunk ids)."""
        lacks_sentences = self.index.lacks_sentences(version_id)
        if self.non_evidence_sections is None or not (lacks_sentences or self.index.definitions(version_id) is None):
            return
        chunks = chunk_document(doc, version_id, self.embedder, overlap=self.settings.chunk_overlap_tokens,
                                header_max_tokens=self.settings.header_max_tokens)
        started, indexed = time.perf_counter(), self.index.chunk_ids()
        if not lacks_sentences:  # only the abbreviations are missing
            self.index.define(version_id, guideline_definitions(chunks))
        else:
            for chunk, sentences in zip(chunks, self._sentence_vectors(doc, chunks, report), strict=True):
                if chunk.chunk_id in indexed:
                    self.index.add_sentences(chunk.chunk_id, sentences)
        report.sentence_seconds += time.perf_counter() - started
        report.sentences_backfilled += 1

    def _sentence_vectors(self, doc: Document, chunks: list[Chunk], report: IngestReport) -> list[ChunkSentences]:
        """Each chunk's evidence sentences with their vectors; a sentence already stored (an
        unchanged passage of an updated guideline, a sentence two chunks share) is not embedded again.
        The version's abbreviation definitions, which the readings spell out, go to the index too."""
        if self.non_evidence_sections is None:
            return []
        defined = guideline_definitions(chunks)
        if chunks:
            self.index.define(ids.version_of(chunks[0].chunk_id), defined)
        per_chunk = evidence_sentences(doc, chunks, self.non_evidence_sections, defined)
        unique = list(dict.fromkeys(t for _, texts in per_chunk for t in texts))
        known = self.index.sentences.lookup(unique)
        new = [t for t in unique if t not in known]
        if new:
            known.update(zip(new, self.embedder.embed(new), strict=True))
        report.sentences_embedded += len(new)
        empty = np.zeros((0, self.index.dimension), dtype=np.float32)
        return [ChunkSentences(spans, texts, np.stack([known[t] for t in texts]) if texts else empty)
                for spans, texts in per_chunk]


def _valid_from(released: str | None, state: GuidelineState | None) -> str:
    """A version is valid from its release date when the source gives one that is later than the
    version it replaces; otherwise from now (an edited file with unchanged metadata is new today)."""
    release = dates.release_date(released)
    previous = state.current_valid_from if state else None
    if release and (previous is None or release > previous):
        return release
    return dates.now()


def reconcile(graph: GraphStore, embedder: Embedder, index: VectorIndex) -> dict[str, int]:
    """Make the index hold exactly the graph's current chunks: re-embed missing, drop stale."""
    in_graph = graph.current_chunk_ids()
    in_index = index.chunk_ids()
    stale = sorted(in_index - in_graph)
    missing = sorted(in_graph - in_index)
    if stale:
        index.remove(stale)
    for batch in _batches(missing, 256):
        texts = graph.chunk_texts(batch)
        rows = [(cid, embed_text(header, text)) for cid, (text, header) in texts.items()]
        index.add([IndexedChunk(cid, t) for cid, t in rows], embedder.embed([t for _, t in rows]))
    if stale or missing:
        index.save()
        log.warning("index reconciled with graph", extra={"re_embedded": len(missing), "dropped": len(stale)})
    return {"re_embedded": len(missing), "dropped": len(stale)}


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
