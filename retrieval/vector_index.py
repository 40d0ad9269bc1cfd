"""FAISS vector index keyed by chunk id, saved as atomic snapshots with a checksummed manifest.

Layout under the index directory::

    CURRENT                 name of the live snapshot (replaced atomically)
    snapshots/000007/       vectors.faiss, chunks.jsonl, manifest.json, the evidence sentences'
                            vectors (sentence_vectors.py), lexical/ (BM25 over the same chunks)

A save writes a whole new snapshot, fsyncs it, then swaps CURRENT; a crash at any point
leaves the previous snapshot live. A snapshot's FAISS file is opened memory-mapped read-only, so
the API workers of one machine share its pages; the first change copies it into memory.
Inner-product search over L2-normalised vectors (cosine):
exact up to ``exact_up_to`` vectors, HNSW above (``vector_structure.py``); the manifest records
which, and a save rebuilds the structure when the size crosses the boundary.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from ckg.errors import VectorIndexError
from ckg.ids import version_of
from retrieval.lexical import LexicalIndex
from retrieval.sentence_vectors import ChunkSentences, SentenceVectors
from retrieval.vector_structure import EXACT_UP_TO, FLAT, SearchParameters, empty_index, needs_rebuild, structure_for

FORMAT = 1
LEXICAL = "lexical"
DEFINITIONS = "definitions.json"  # per guideline version, the abbreviations it defines
REMOVED = "removed.npy"  # vectors still in an HNSW graph whose chunks are gone
MAPPED = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY


@dataclass(frozen=True)
class IndexedChunk:
    chunk_id: str
    lexical_text: str


class VectorIndex:
    def __init__(self, directory: Path, model: str, dimension: int, exact_up_to: int = EXACT_UP_TO) -> None:
        self.directory = directory
        self.model = model
        self.dimension = dimension
        self.exact_up_to = exact_up_to
        self.structure = FLAT
        self._faiss: faiss.Index = empty_index(FLAT, dimension)
        self._mapped = False  # _faiss is a snapshot's file mapped read-only
        self._removed: set[int] = set()
        self._search = SearchParameters(FLAT, ())
        self._by_int: dict[int, IndexedChunk] = {}
        self._int_of: dict[str, int] = {}
        self._next_id = 0
        self.snapshot: str | None = None
        self.sentences = SentenceVectors(dimension)
        self._lexical: LexicalIndex | None = None  # built when first asked for after a change
        self._definitions: dict[str, dict[str, str]] = {}  # version id -> {short form: long form}

    # -- persistence -----------------------------------------------------------------------
    @classmethod
    def open(cls, directory: Path, model: str, dimension: int, exact_up_to: int = EXACT_UP_TO) -> VectorIndex:
        index = cls(directory, model, dimension, exact_up_to)
        pointer = directory / "CURRENT"
        if not pointer.exists():
            return index
        snapshot = directory / "snapshots" / pointer.read_text().strip()
        manifest = _read_manifest(snapshot)
        if manifest["model"] != model or manifest["dimension"] != dimension:
            raise VectorIndexError(
                f"the vector index in {directory} was built with {manifest['model']} "
                f"({manifest['dimension']}-d) but the configured model is {model} ({dimension}-d); "
                "re-ingest into a fresh CKG_HOME or configure the original model"
            )
        for name, expected in manifest["sha256"].items():
            if _sha256_file(snapshot / name) != expected:
                raise VectorIndexError(f"vector index file {snapshot / name} is corrupt (checksum mismatch)")
        index._faiss, index._mapped = faiss.read_index(str(snapshot / "vectors.faiss"), MAPPED), True
        with open(snapshot / "chunks.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                index._by_int[row["id"]] = IndexedChunk(row["chunk_id"], row["lexical_text"])
                index._int_of[row["chunk_id"]] = row["id"]
        index._next_id = manifest["next_id"]
        index.structure = manifest.get("structure", FLAT)
        if (snapshot / REMOVED).exists():
            index._removed = set(np.load(snapshot / REMOVED).tolist())
        index._search = SearchParameters(index.structure, index._removed)
        index.snapshot = snapshot.name
        index.sentences = SentenceVectors.load(snapshot, dimension)
        if index._faiss.ntotal - len(index._removed) != manifest["count"] or len(index._by_int) != manifest["count"]:
            raise VectorIndexError(f"vector index {snapshot} holds a different count than its manifest says")
        if (snapshot / DEFINITIONS).exists():
            index._definitions = json.loads((snapshot / DEFINITIONS).read_text(encoding="utf-8"))
        if (snapshot / LEXICAL).is_dir():  # snapshots written before BM25 was saved build it when asked
            index._lexical = LexicalIndex.load(snapshot / LEXICAL, [e.chunk_id for e in index.entries()])
        return index

    @staticmethod
    def live_snapshot(directory: Path) -> str | None:
        """The name of the snapshot CURRENT points at (None before the first save): cheap enough to
        ask before every question."""
        try:
            return (directory / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def save(self) -> None:
        snapshots = self.directory / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        # After the newest snapshot on disk, even if another process saved one since this one opened.
        name = f"{max(int(self.snapshot or 0), int(self.live_snapshot(self.directory) or 0)) + 1:06d}"
        staging = snapshots / f"{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        if needs_rebuild(self.structure, self.count, int(self._faiss.ntotal), self.exact_up_to):
            self._rebuild()
        self._write(staging)
        os.replace(staging, snapshots / name)
        _fsync_dir(snapshots)
        pointer_tmp = self.directory / "CURRENT.tmp"
        pointer_tmp.write_text(name)
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, self.directory / "CURRENT")
        _fsync_dir(self.directory)
        previous, self.snapshot = self.snapshot, name
        if previous:
            shutil.rmtree(snapshots / previous, ignore_errors=True)

    def _write(self, staging: Path) -> None:
        """Every file of a snapshot, then its manifest (checksums of them all), all fsynced."""
        faiss.write_index(self._faiss, str(staging / "vectors.faiss"))
        with open(staging / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for int_id, chunk in self._by_int.items():
                row = {"id": int_id, "chunk_id": chunk.chunk_id, "lexical_text": chunk.lexical_text}
                fh.write(json.dumps(row) + "\n")
        files = ["vectors.faiss", "chunks.jsonl", *self.sentences.save(staging, self._by_int.keys())]
        versions = {version_of(chunk_id) for chunk_id in self._int_of}
        live = {v: found for v, found in sorted(self._definitions.items()) if v in versions}
        (staging / DEFINITIONS).write_text(json.dumps(live), encoding="utf-8")
        files.append(DEFINITIONS)
        if self._removed:
            np.save(staging / REMOVED, np.fromiter(sorted(self._removed), dtype=np.int64, count=len(self._removed)))
            files.append(REMOVED)
        lexical = self.lexical()
        if not lexical.empty:
            (staging / LEXICAL).mkdir()
            files += [f"{LEXICAL}/{file}" for file in lexical.save(staging / LEXICAL)]
        manifest = {
            "format": FORMAT,
            "model": self.model,
            "dimension": self.dimension,
            "count": self.count,
            "structure": self.structure,
            "next_id": self._next_id,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": {n: _sha256_file(staging / n) for n in files},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        for written in [*files, "manifest.json"]:
            _fsync_file(staging / written)
        if not lexical.empty:
            _fsync_dir(staging / LEXICAL)

    def _writable(self) -> faiss.Index:
        """The FAISS index, first copied into memory if it is still a snapshot's mapped file (a
        mapped index cannot grow or shrink; FAISS aborts the process if asked to)."""
        if self._mapped:
            self._faiss, self._mapped = faiss.deserialize_index(faiss.serialize_index(self._faiss)), False
        return self._faiss

    def _rebuild(self) -> None:
        """The structure this size calls for, holding only the vectors of chunks still indexed."""
        structure = structure_for(self.count, self.exact_up_to)
        ints, vectors = self._live_vectors()
        index = empty_index(structure, self.dimension)
        if len(ints):
            index.add_with_ids(vectors, ints)
        self._faiss, self._mapped, self.structure, self._removed = index, False, structure, set()
        self._search = SearchParameters(structure, ())

    # -- content ---------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self._by_int)

    def chunk_ids(self) -> set[str]:
        return set(self._int_of)

    def entries(self) -> list[IndexedChunk]:
        return list(self._by_int.values())

    def lexical(self) -> LexicalIndex:
        """BM25 over exactly the chunks this index holds, in the same order."""
        if self._lexical is None:
            entries = self.entries()
            self._lexical = LexicalIndex([e.chunk_id for e in entries], [e.lexical_text for e in entries])
        return self._lexical

    def matrix(self) -> tuple[list[str], np.ndarray]:
        """Every chunk id with its stored vector, in one matrix (benchmarks compare backends on it)."""
        ints, vectors = self._live_vectors()
        return [self._by_int[int(i)].chunk_id for i in ints], vectors

    def _live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ints = np.fromiter(self._by_int, dtype=np.int64, count=len(self._by_int))
        vectors = self._faiss.reconstruct_batch(ints) if len(ints) else np.zeros((0, self.dimension), np.float32)
        return ints, np.asarray(vectors, dtype=np.float32)

    def vectors_by_text(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks, keyed by the text they were embedded from: what a
        new version of a document can reuse for the chunks whose text did not change."""
        ints = [self._int_of[c] for c in chunk_ids if c in self._int_of]
        if not ints:
            return {}
        vectors = self._faiss.reconstruct_batch(np.asarray(ints, dtype=np.int64))
        return {self._by_int[i].lexical_text: np.asarray(v, dtype=np.float32)
                for i, v in zip(ints, vectors, strict=True)}

    def add(self, chunks: Sequence[IndexedChunk], vectors: np.ndarray,
            sentences: Sequence[ChunkSentences] = ()) -> None:
        """Chunks with their vectors and, optionally, each chunk's quotable sentences with theirs."""
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected {len(chunks)}x{self.dimension} vectors, got {vectors.shape}")
        if sentences and len(sentences) != len(chunks):
            raise ValueError(f"expected the sentences of {len(chunks)} chunks, got {len(sentences)}")
        self.remove([c.chunk_id for c in chunks if c.chunk_id in self._int_of])
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._writable().add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        for int_id, chunk in zip(ids.tolist(), chunks, strict=True):
            self._by_int[int_id] = chunk
            self._int_of[chunk.chunk_id] = int_id
        for int_id, chunk_sentences in zip(ids.tolist(), sentences, strict=False):
            self.sentences.add(int_id, chunk_sentences)
        self._next_id += len(chunks)
        self._lexical = None

    def remove(self, chunk_ids: Sequence[str]) -> int:
        ints = [self._int_of.pop(c) for c in chunk_ids if c in self._int_of]
        for int_id in ints:
            del self._by_int[int_id]
        if ints and self.structure == FLAT:
            self._writable().remove_ids(np.asarray(ints, dtype=np.int64))  # type: ignore[arg-type]  # stubs lag the API
        elif ints:  # HNSW cannot delete: searched around until the next rebuild
            self._removed.update(ints)
            self._search = SearchParameters(self.structure, self._removed)
        if ints:
            self._lexical = None
        return len(ints)

    def remove_version(self, version_id: str) -> int:
        """Drop every chunk of one guideline version (chunk ids are ``<version>#c<n>``)."""
        return self.remove([c for c in self._int_of if c.startswith(version_id + "#")])

    def add_sentences(self, chunk_id: str, sentences: ChunkSentences) -> None:
        """Sentences for a chunk already indexed (an index written before they were stored)."""
        self.sentences.add(self._int_of[chunk_id], sentences)

    def quotable_spans(self, chunk_id: str) -> list[tuple[int, int]] | None:
        """The chunk's quotable sentences as split at ingestion (None: not stored, split them now)."""
        int_id = self._int_of.get(chunk_id)
        return None if int_id is None else self.sentences.spans(int_id)

    def define(self, version_id: str, abbreviations: dict[str, str]) -> None:
        """The abbreviations a guideline version defines anywhere in its text (none: an empty dict)."""
        self._definitions[version_id] = dict(abbreviations)

    def definitions(self, version_id: str) -> dict[str, str] | None:
        """What ``define`` stored for the version; None when nothing was (an older index, a past version)."""
        return self._definitions.get(version_id)

    def lacks_sentences(self, version_id: str) -> bool:
        """Whether a version in the index has no stored sentence at all (written before they were)."""
        ints = {i for c, i in self._int_of.items() if c.startswith(version_id + "#")}
        return bool(ints) and not ints & self.sentences.owners()

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        if self.count == 0:
            return []
        scores, ids = self._faiss.search(query.reshape(1, -1).astype(np.float32), min(k, self.count),
                                         params=self._search.faiss)
        return [(self._by_int[int(i)].chunk_id, float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]


def search_one_query_at_a_time() -> None:
    """One FAISS (OpenMP) thread for the process: a question is one query, which an exact search
    over 10^5 vectors answers in ~0.1 ms on one core. More threads gain nothing on an idle machine
    and cost milliseconds on a busy one, where OpenMP's threads wait for cores that ONNX Runtime and
    other requests hold (dense retrieval p50 10 ms against 5 ms with one thread, measured here
    while another process kept a core busy)."""
    faiss.omp_set_num_threads(1)


def _read_manifest(snapshot: Path) -> dict:
    try:
        manifest = json.loads((snapshot / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise VectorIndexError(f"vector index snapshot {snapshot} has no readable manifest: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise VectorIndexError(f"vector index snapshot {snapshot} has unknown format {manifest.get('format')}")
    return manifest


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
