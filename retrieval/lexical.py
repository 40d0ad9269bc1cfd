"""BM25 over chunk texts (bm25s, English stop words, Snowball stemming).

Rebuilt from the vector index's chunk list when the index changes: bm25s indexes 10^4
chunks in well under a second, so it needs no persistence of its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import bm25s
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, chunk_ids: Sequence[str], texts: Sequence[str]) -> None:
        self._chunk_ids = list(chunk_ids)
        self._bm25 = bm25s.BM25()
        if self._chunk_ids:
            tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, show_progress=False)
            self._bm25.index(tokens, show_progress=False)

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
