"""Hybrid retrieval: dense (FAISS), lexical (BM25) and graph (concept mentions) candidates,
fused by reciprocal rank, each hit returned with its provenance from the graph."""

from __future__ import annotations

import threading
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ckg import ids
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import ClinicalNLP
from ckg.types import Hit
from graph.store import GraphStore
from retrieval.concept_ranking import concept_weights, rank_chunks
from retrieval.embeddings import Embedder
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.headings import HeadingMatcher
from retrieval.lexical import LexicalIndex
from retrieval.vector_index import VectorIndex

# The graph channel waits on Bolt and the dense channel on ONNX Runtime, both without the GIL:
# run side by side, a question costs the slower of the two instead of their sum.
_GRAPH_READS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ckg-graph-channel")
# Its own pool: a graph-channel task waiting on a task of the same pool could wait forever.
_CONCEPT_COUNTS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ckg-concept-counts")


@dataclass
class HybridRetriever:
    graph: GraphStore
    embedder: Embedder
    index: VectorIndex
    lexical: LexicalIndex
    candidates: int
    rrf_k: int
    channel_weights: dict[str, float]
    nlp: ClinicalNLP
    channels: tuple[str, ...] = field(default=("dense", "bm25", "graph"))
    # Answers as of a date: guideline id -> the version current then (None: today's current versions).
    scope: dict[str, str] | None = None
    _headings: HeadingMatcher | None = field(default=None, init=False, repr=False)
    _headings_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def dense(self, question: str, k: int) -> list[str]:
        return [cid for cid, _ in self.index.search(self.embedder.embed([question])[0], k)]

    def bm25(self, question: str, k: int) -> list[str]:
        return [cid for cid, _ in self.lexical.search(question, k)]

    def question_concepts(self, question: str) -> list[Mention]:
        """Concepts the NLP pipeline finds, plus the MeSH headings of the corpus the question names."""
        return self.nlp.analyze(question) + self._heading_matcher().find(question)

    def _heading_matcher(self) -> HeadingMatcher:
        with self._headings_lock:  # concurrent first questions read the headings once
            if self._headings is None:
                self._headings = HeadingMatcher(self.graph.headings())
            return self._headings

    def refresh(self, lexical: LexicalIndex) -> None:
        """After ingestion: the new chunk set's BM25, and the headings re-read on next use."""
        self.lexical = lexical
        with self._headings_lock:
            self._headings = None

    def by_concepts(self, mentions: list[Mention], k: int) -> list[str]:
        """Chunks mentioning the question's (non-negated) concepts or their IS_A neighbours."""
        named = sorted({m.concept.concept_id for m in mentions if m.assertion != "negated"})
        if not named:
            return []
        neighbours = sorted(self.graph.concept_neighbours(named) - set(named))
        counts = _CONCEPT_COUNTS.submit(self.graph.concept_chunk_counts, named + neighbours)
        mentioning = self.graph.chunks_mentioning(named + neighbours)
        weights = concept_weights(named, neighbours, counts.result(), max(self.index.count, 1))
        return rank_chunks(mentioning, weights, k)

    def _graph_channel(self, question: str, mentions: list[Mention] | None) -> list[str]:
        found = mentions if mentions is not None else self.question_concepts(question)
        return self.by_concepts(found, self.candidates)

    def retrieve(
        self, question: str, top_k: int, exclude_guidelines: Collection[str] = (),
        mentions: list[Mention] | None = None, channels: Collection[str] | None = None,
        patient: list[Mention] | None = None,
    ) -> list[Hit]:
        """Top hits with provenance. ``exclude_guidelines`` hides documents (used to test abstention);
        ``channels`` overrides the configured channels (used to evaluate each one alone);
        ``patient``: a patient's concepts, ranked as a channel of their own (weight "patient") that
        lifts the chunks about this patient among those the question retrieves."""
        channels = self.channels if channels is None else channels
        by_graph: dict[str, Future[list[str]]] = {}
        if "graph" in channels:
            by_graph["graph"] = _GRAPH_READS.submit(self._graph_channel, question, mentions)
        if patient:
            by_graph["patient"] = _GRAPH_READS.submit(self.by_concepts, patient, self.candidates)
        rankings: dict[str, list[str]] = {}
        if "dense" in channels:
            rankings["dense"] = self.dense(question, self.candidates)
        if "bm25" in channels:
            rankings["bm25"] = self.bm25(question, self.candidates)
        rankings |= {channel: ranked.result() for channel, ranked in by_graph.items()}
        if self.scope is not None:  # as of a date: only the versions current then
            in_scope = set(self.scope.values())
            rankings = {channel: [c for c in ranked if c.split("#", 1)[0] in in_scope]
                        for channel, ranked in rankings.items()}
        if exclude_guidelines:  # hidden before fusion: ranks and scores as if the documents were not indexed
            rankings = {channel: [c for c in ranked if ids.guideline_of(c) not in exclude_guidelines]
                        for channel, ranked in rankings.items()}
        pool = reciprocal_rank_fusion(rankings, self.rrf_k, self.channel_weights)[:top_k]
        provenance = self.graph.provenance([h.chunk_id for h in pool])
        hits: list[Hit] = []
        for hit in pool:
            hit.provenance = provenance.get(hit.chunk_id)
            # A chunk the graph no longer has (index ahead of graph) is never cited.
            if hit.provenance and hit.provenance.guideline_id not in exclude_guidelines:
                hits.append(hit)
        return hits[:top_k]

    def expand_to_recommendations(self, hits: list[Hit], guidelines: int = 2) -> list[Hit]:
        """Graph expansion: the recommendation sections of the best-ranked guidelines.

        A question about a guideline's topic is usually answered by its recommendations,
        which dense and lexical ranking can place below shorter, denser descriptive fields.
        """
        top_ids = list(dict.fromkeys(h.provenance.guideline_id for h in hits if h.provenance))[:guidelines]
        if not top_ids:
            return []
        seen = {h.chunk_id for h in hits}
        if self.scope is None:
            sections = self.graph.section_chunks(top_ids, "recommendation")
        else:
            versions = [self.scope[g] for g in top_ids if g in self.scope]
            sections = self.graph.section_chunks_of_versions(versions, "recommendation")
        extra = [p for p in sections if p.chunk_id not in seen]
        return [Hit(chunk_id=p.chunk_id, score=0.0, ranks={"graph": i + 1}, provenance=p) for i, p in enumerate(extra)]
