"""Retrieval as of a date: the same hybrid retriever over the guideline versions current then.

The live index holds today's versions only. For an audit ("what would the system have said on
that day?") the versions current at the date are gathered from the version history; chunks whose
text is unchanged reuse the live vectors, the rest (replaced, withdrawn, superseded text) are
embedded once and kept while the live snapshot stays the same.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ckg.types import embed_text
from graph.store import GraphStore
from retrieval.lexical import LexicalIndex
from retrieval.retriever import HybridRetriever
from retrieval.vector_index import IndexedChunk, VectorIndex


def retriever_as_of(live: HybridRetriever, graph: GraphStore, at: str) -> HybridRetriever:
    """A retriever over the versions current at the instant ``at``. Concept (graph-channel) ranking
    reads today's mentions, so it is left out; dense and BM25 ranking and the recommendation-section
    expansion use the historical text."""
    versions = graph.versions_as_of(at)
    texts = graph.chunks_of_versions(sorted(versions.values()))
    chunks = [IndexedChunk(cid, embed_text(header, text)) for cid, (text, header) in sorted(texts.items())]
    index = VectorIndex(Path("/nonexistent-as-of-index"), live.index.model, live.index.dimension)  # memory only
    if chunks:
        index.add(chunks, _vectors(live, chunks))
    lexical = LexicalIndex([c.chunk_id for c in chunks], [c.lexical_text for c in chunks])
    channels = tuple(c for c in live.channels if c != "graph")
    return replace(live, index=index, lexical=lexical, channels=channels, scope=versions)


def _vectors(live: HybridRetriever, chunks: list[IndexedChunk]) -> np.ndarray:
    known = live.index.vectors_by_text(sorted(live.index.chunk_ids()))
    missing = sorted({c.lexical_text for c in chunks} - known.keys())
    if missing:
        known.update(zip(missing, live.embedder.embed(missing), strict=True))
    return np.stack([known[c.lexical_text] for c in chunks])
