"""Evidence sentences embedded at most once per process, not once per question.

Drafting an answer compares the question with every candidate evidence sentence. Most have a
vector stored at ingestion (``retrieval.sentence_vectors``, looked up in the live snapshot); the
rest — a past version's text (``as_of``), an index written before sentences were stored — come
back question after question, so a bounded least-recently-used map from text to vector keeps
them: only text never seen is encoded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.embeddings import Embedder


class CachingEmbedder:
    """An ``Embedder`` that remembers the vectors of the last ``capacity`` texts it encoded."""

    def __init__(self, inner: Embedder, capacity: int,
                 stored: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None) -> None:
        self.inner = inner
        self.stored = stored  # the live snapshot's sentence vectors (replaced when a newer one is picked up)
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self.capacity = capacity
        self.hits = self.misses = self.stored_hits = 0
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        found = self.stored(texts) if self.stored else {}
        stored = len(found)
        found.update(self._lookup([t for t in texts if t not in found]))
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:  # encoded outside the lock: other questions go on meanwhile
            fresh = self.inner.embed(missing, progress=progress)
            found.update(zip(missing, fresh, strict=True))
            self._remember(missing, fresh)
        with self._lock:
            self.stored_hits += stored
            self.hits += len(texts) - len(missing) - stored
            self.misses += len(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return self.inner.token_spans(texts)

    def _lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
        return found

    def _remember(self, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._vectors[text] = vector
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)
