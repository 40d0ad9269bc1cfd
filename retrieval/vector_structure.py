"""Which FAISS structure the live vector index uses, chosen by its size.

Exact search (a flat inner-product scan) up to ``exact_up_to`` vectors: it needs no training and
answers 10^5 384-d vectors in ~20 ms. Above that, HNSW (M=32, efSearch 256): on the 82,951 real
vectors of ``ngc-dev`` (every chunk and evidence sentence) with 200 real questions it found 0.992
of the exact top 10 at p95 1.0 ms, where efSearch 128 found 0.974 and IVF1024 at nprobe 128 found
0.977 at 2.2 ms, after 17 s of training (``ckg eval bench vectors`` measures these on your data).

HNSW cannot delete. A removed chunk's vector stays in the graph but is left out of every search
(an ID selector) until a save rebuilds the structure, which happens when the removed vectors pass
a tenth of those stored, and whenever the size crosses ``exact_up_to`` in either direction.
"""

from __future__ import annotations

from collections.abc import Collection

import faiss
import numpy as np

FLAT = "flat"
HNSW = "hnsw32"
HNSW_M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 256
EXACT_UP_TO = 100_000
REBUILD_AT_REMOVED_SHARE = 0.1


def structure_for(count: int, exact_up_to: int) -> str:
    return FLAT if count <= exact_up_to else HNSW


def empty_index(structure: str, dimension: int) -> faiss.Index:
    """An index keyed by the caller's 64-bit ids, vectors reconstructable by id."""
    if structure == FLAT:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    if structure == HNSW:
        graph = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = EF_CONSTRUCTION
        return faiss.IndexIDMap2(graph)
    raise ValueError(f"unknown vector index structure {structure!r}")


def needs_rebuild(structure: str, count: int, stored: int, exact_up_to: int) -> bool:
    """``count`` live vectors of ``stored`` (the rest removed but still in an HNSW graph)."""
    removed_share = (stored - count) / stored if stored else 0.0
    return structure != structure_for(count, exact_up_to) or removed_share > REBUILD_AT_REMOVED_SHARE


class SearchParameters:
    """FAISS search parameters for a structure, leaving out removed ids; kept together with the
    selectors they point at (FAISS holds raw pointers: a selector collected by Python would crash it)."""

    def __init__(self, structure: str, removed: Collection[int]) -> None:
        self._selectors: list[faiss.IDSelector] = []
        if removed:
            batch = faiss.IDSelectorBatch(np.fromiter(removed, dtype=np.int64, count=len(removed)))
            self._selectors = [batch, faiss.IDSelectorNot(batch)]
        selector = self._selectors[-1] if self._selectors else None
        # The type stubs lag FAISS's API: both constructors take these keywords.
        if structure == HNSW:
            self.faiss: faiss.SearchParameters | None = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=selector, efSearch=EF_SEARCH)
        else:
            self.faiss = faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]
