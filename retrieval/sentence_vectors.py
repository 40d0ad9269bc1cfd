"""Every quotable evidence sentence, split and embedded at ingestion and kept in the index snapshot.

Answering compares the question with each candidate evidence sentence. Splitting the retrieved
chunks into sentences and embedding those sentences per question was most of an answer's time.
Ingestion does both once: each chunk's quotable sentences (their spans in the chunk) and their
vectors (as written, and as read with the guideline's abbreviations spelled out) are stored
beside the chunk vectors, so a question embeds only itself and the rare sentence read otherwise.

On disk, in the snapshot: ``sentences.npy`` (float32 vectors, memory-mapped when read),
``sentence_keys.npy`` (a 64-bit hash of each text), ``sentence_owners.npy`` (the chunk each row
came with: a chunk removed from the index takes its rows with it at the next save) and
``sentence_spans.npy`` (chunk, start, end of each quotable sentence; a chunk with none has one
row with start = end = -1).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILES = ("sentences.npy", "sentence_keys.npy", "sentence_owners.npy", "sentence_spans.npy")


def text_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class ChunkSentences:
    """One chunk's quotable sentences (spans in the chunk's text) and every text to embed for them."""

    spans: list[tuple[int, int]]
    texts: list[str]
    vectors: np.ndarray


class SentenceVectors:
    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._vectors: np.ndarray = np.zeros((0, dimension), dtype=np.float32)
        self._keys = np.zeros(0, dtype=np.uint64)
        self._owners = np.zeros(0, dtype=np.int64)
        self._spans = np.zeros((0, 3), dtype=np.int64)
        # Sorted views, rebuilt when rows are added (not per question): keys and span owners in order.
        self._by_key = np.zeros(0, dtype=np.int64)
        self._sorted_keys = np.zeros(0, dtype=np.uint64)
        self._by_owner = np.zeros(0, dtype=np.int64)
        self._sorted_owners = np.zeros(0, dtype=np.int64)
        self._pending: list[tuple[int, ChunkSentences]] = []
        self._lock = threading.Lock()  # a server answers while an upload's ingest adds rows

    @classmethod
    def load(cls, snapshot: Path, dimension: int) -> SentenceVectors:
        """A snapshot's sentences (none for a snapshot written before they were stored)."""
        store = cls(dimension)
        if all((snapshot / name).exists() for name in FILES):
            store._vectors = np.load(snapshot / FILES[0], mmap_mode="r")  # pages read as questions need them
            store._keys = np.load(snapshot / FILES[1])
            store._owners = np.load(snapshot / FILES[2])
            store._spans = np.load(snapshot / FILES[3])
            store._sort()
        return store

    def __len__(self) -> int:
        return len(self._keys) + sum(len(c.texts) for _, c in self._pending)

    def add(self, owner: int, sentences: ChunkSentences) -> None:
        """The sentences of one chunk (``owner``: its integer id in the index)."""
        self._pending.append((owner, sentences))

    def owners(self) -> set[int]:
        """The chunks (integer ids) whose sentences are stored."""
        with self._lock:
            self._merge()
            return set(np.unique(self._spans[:, 0]).tolist())

    def spans(self, owner: int) -> list[tuple[int, int]] | None:
        """The chunk's quotable sentences (start, end in its text); None when they were not stored."""
        with self._lock:
            self._merge()
            spans, order, owners = self._spans, self._by_owner, self._sorted_owners
        first, last = np.searchsorted(owners, owner, "left"), np.searchsorted(owners, owner, "right")
        if first == last:
            return None
        return [(int(s), int(e)) for _, s, e in spans[order[first:last]] if s >= 0]

    def distinct_vectors(self) -> np.ndarray:
        """One vector per distinct sentence text (benchmarks measure index types on them)."""
        with self._lock:
            self._merge()
        _, first = np.unique(self._keys, return_index=True)
        return np.asarray(self._vectors[np.sort(first)], dtype=np.float32)

    def lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those texts that have one."""
        with self._lock:
            self._merge()
            vectors, sorted_keys, order = self._vectors, self._sorted_keys, self._by_key
        if not len(sorted_keys) or not texts:
            return {}
        wanted = np.fromiter((text_key(t) for t in texts), dtype=np.uint64, count=len(texts))
        at = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
        found = sorted_keys[at] == wanted
        return {texts[i]: np.asarray(vectors[order[at[i]]]) for i in np.flatnonzero(found)}

    def save(self, staging: Path, live_owners: Collection[int]) -> list[str]:
        """Write the rows of the chunks still indexed; returns the file names written."""
        with self._lock:
            self._merge()
        live = np.fromiter(live_owners, dtype=np.int64, count=len(live_owners))
        keep = np.isin(self._owners, live)
        np.save(staging / FILES[0], np.ascontiguousarray(self._vectors[keep], dtype=np.float32))
        np.save(staging / FILES[1], self._keys[keep])
        np.save(staging / FILES[2], self._owners[keep])
        np.save(staging / FILES[3], self._spans[np.isin(self._spans[:, 0], live)])
        return list(FILES)

    def _merge(self) -> None:
        """Fold the chunks added since the last read into the arrays (in memory from then on)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        self._vectors = np.concatenate([self._vectors, *(c.vectors.reshape(-1, self.dimension) for _, c in pending)])
        self._keys = np.concatenate([self._keys, *(np.fromiter((text_key(t) for t in c.texts), dtype=np.uint64)
                                                   for _, c in pending)])
        self._owners = np.concatenate([self._owners, *(np.full(len(c.texts), owner, dtype=np.int64)
                                                       for owner, c in pending)])
        self._spans = np.concatenate([self._spans, *(np.array([(owner, s, e) for s, e in c.spans] or [(owner, -1, -1)],
                                                              dtype=np.int64) for owner, c in pending)])
        self._sort()

    def _sort(self) -> None:
        self._by_key = np.argsort(self._keys, kind="stable")
        self._sorted_keys = self._keys[self._by_key]
        self._by_owner = np.argsort(self._spans[:, 0], kind="stable")
        self._sorted_owners = self._spans[self._by_owner, 0]
