"""Concept mentions of a document's chunks, ready for the graph."""

from __future__ import annotations

from collections import Counter

from ckg.nlp.concepts import Concept
from ckg.nlp.pipeline import ClinicalNLP
from ckg.types import Chunk
from graph.store import ChunkMention


def chunk_mentions(nlp: ClinicalNLP, chunks: list[Chunk]) -> tuple[list[Concept], list[ChunkMention]]:
    """(concepts with their IS_A ancestors, one mention row per chunk, concept and assertion)."""
    rows: list[ChunkMention] = []
    concepts: dict[str, Concept] = {}
    for chunk, mentions in zip(chunks, nlp.analyze_many(c.text for c in chunks), strict=True):
        counts = Counter((m.concept.concept_id, m.assertion) for m in mentions)
        rows.extend(ChunkMention(chunk.chunk_id, cid, assertion, n) for (cid, assertion), n in counts.items())
        for mention in mentions:
            with_ancestors(nlp, mention.concept, concepts)
    return list(concepts.values()), rows


def with_ancestors(nlp: ClinicalNLP, concept: Concept, found: dict[str, Concept]) -> None:
    """The concept and every ancestor, so that each IS_A edge has both ends in the same write
    (HPO terms can have several parents; an edge to a parent not yet stored would be lost)."""
    stack = [concept]
    while stack:
        current = stack.pop()
        if current.concept_id in found:
            continue
        found[current.concept_id] = current
        stack.extend(p for p in map(nlp.concept, current.parents) if p is not None)
