"""The ``Embedder`` contract: what ingestion, the index and the relevance gate rely on."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load_document
from retrieval.embeddings import Embedder

from ..conftest import FEDERAL

SENTENCES = [
    "Screen adults aged 50 to 80 years for lung cancer with low-dose computed tomography.",
    "Annual low-dose CT screening for lung cancer in adults with a 20 pack-year smoking history.",
    "Offer the influenza vaccine to children aged 6 months and older every season.",
]


class EmbedderContract:
    @pytest.fixture()
    def embedder(self) -> Embedder:
        raise NotImplementedError("a backend's test class provides the embedder")

    def test_rows_are_unit_norm_float32(self, embedder: Embedder) -> None:
        vectors = embedder.embed(SENTENCES)
        assert vectors.shape == (len(SENTENCES), embedder.dimension) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

    def test_similar_texts_are_closer_than_unrelated_ones(self, embedder: Embedder) -> None:
        a, b, c = embedder.embed(SENTENCES)
        assert float(a @ b) > float(a @ c) + 0.2

    def test_the_same_text_always_embeds_the_same(self, embedder: Embedder) -> None:
        first, again = embedder.embed(SENTENCES[:1])[0], embedder.embed(SENTENCES[:1])[0]
        assert np.array_equal(first, again)

    def test_a_text_embeds_alike_alone_and_in_a_batch(self, embedder: Embedder) -> None:
        # Stored sentence vectors (embedded in batches at ingestion) stand in for ones embedded per question.
        alone = embedder.embed(SENTENCES[:1])[0]
        batched = embedder.embed(SENTENCES)[0]
        assert np.allclose(alone, batched, atol=1e-5)

    def test_empty_input_gives_an_empty_matrix(self, embedder: Embedder) -> None:
        empty = embedder.embed([])
        assert empty.shape == (0, embedder.dimension) and empty.dtype == np.float32
        assert embedder.token_spans([]) == []

    def test_token_spans_point_into_the_text(self, embedder: Embedder) -> None:
        [spans] = embedder.token_spans([SENTENCES[0]])
        assert spans and all(0 <= a < b <= len(SENTENCES[0]) for a, b in spans)
        assert SENTENCES[0][spans[0][0] : spans[0][1]].lower() == "screen"
        assert [a for a, _ in spans] == sorted(a for a, _ in spans)

    def test_chunks_fit_the_model_window(self, embedder: Embedder) -> None:
        path = FEDERAL / "ngc-10008.html"
        doc = load_document(path, path.read_bytes(), None)
        chunks = chunk_document(doc, "v", embedder, overlap=48, header_max_tokens=40)
        assert len(chunks) > 3
        lengths = [len(spans) for spans in embedder.token_spans([c.embed_text for c in chunks])]
        assert max(lengths) <= embedder.max_tokens
