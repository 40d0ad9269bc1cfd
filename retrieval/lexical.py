"""BM25 over chunk texts (bm25s, English stop words, Snowball stemming).

Built over the vector index's chunks and saved with each index snapshot (tokenising 25k chunks
takes ~3 s, which every starting server would otherwise pay); a snapshot's BM25 is read back
memory-mapped, so processes that open the same snapshot share its pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, chunk_ids: Sequence[str], texts: Sequence[str]) -> None:
        self._chunk_ids: list[str] = []
        self._bm25 = bm25s.BM25()
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, show_progress=False)
        if tokens.vocab:  # chunks of stop words alone are searched as no chunks at all
            self._chunk_ids = list(chunk_ids)
            self._bm25.index(tokens, show_progress=False)

    def save(self, directory: Path) -> list[str]:
        """Writes the index's files into ``directory``; returns their names."""
        self._bm25.save(str(directory), show_progress=False)
        return sorted(p.name for p in directory.iterdir())

    @classmethod
    def load(cls, directory: Path, chunk_ids: Sequence[str]) -> LexicalIndex:
        """A saved index, memory-mapped; ``chunk_ids`` in the order the saved index was built in."""
        lexical = cls([], [])
        lexical._chunk_ids = list(chunk_ids)
        lexical._bm25 = bm25s.BM25.load(str(directory), mmap=True, show_progress=False)
        return lexical

    @property
    def empty(self) -> bool:
        return not self._chunk_ids

    def rarity(self, terms: Iterable[str]) -> dict[str, float]:
        """Each (stemmed) term's inverse document frequency over the indexed chunks; a term no
        chunk contains is as rare as can be."""
        n = len(self._chunk_ids)
        vocab: dict[str, int] = self._bm25.vocab_dict if n else {}
        found = {}
        for term in terms:
            df = 0
            if term in vocab:
                indptr = self._bm25.scores["indptr"]  # per term, where its documents start: their count
                df = int(indptr[vocab[term] + 1] - indptr[vocab[term]])
            found[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return found

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self._chunk_ids:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=_STEMMER, show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = self._bm25.retrieve(tokens, k=min(k, len(self._chunk_ids)), show_progress=False)
        return [(self._chunk_ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
