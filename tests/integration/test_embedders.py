"""The embedder contract on both backends: sentence-transformers (torch) and ONNX Runtime int8."""

from __future__ import annotations

import numpy as np
import pytest

from ckg.settings import EmbeddingSettings
from retrieval.embeddings import Embedder, get_embedder
from retrieval.sentence_cache import CachingEmbedder

from ..contracts.embedder import SENTENCES, EmbedderContract


class TestTorchEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self, embedder: Embedder) -> Embedder:  # the session's torch embedder
        return embedder


class TestOnnxInt8Embedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self) -> Embedder:
        return get_embedder(EmbeddingSettings(backend="onnx-int8"))

    def test_a_text_gets_the_same_vector_whatever_it_is_embedded_with(self, embedder: Embedder) -> None:
        """One text per inference: int8 activations are scaled per input, so a batch would change them."""
        alone = embedder.embed(SENTENCES[2:])
        assert np.array_equal(embedder.embed(SENTENCES)[2:], alone)
        assert np.array_equal(embedder.embed([SENTENCES[2], "x " * 300])[:1], alone)


class TestCachingEmbedder(EmbedderContract):
    """The evidence-sentence cache in front of the torch embedder, small enough to evict."""

    @pytest.fixture()
    def embedder(self, embedder: Embedder) -> Embedder:
        return CachingEmbedder(embedder, capacity=2)

    def test_a_remembered_text_is_not_encoded_again(self, embedder: Embedder) -> None:
        assert isinstance(embedder, CachingEmbedder)
        first = embedder.embed(SENTENCES[:2])
        again = embedder.embed(SENTENCES[1::-1])  # both remembered, asked in the other order
        assert np.array_equal(again, first[::-1]) and (embedder.hits, embedder.misses) == (2, 2)
        embedder.embed(SENTENCES[2:])  # over capacity: the least recently used one goes
        embedder.embed(SENTENCES[1:2])
        assert (embedder.hits, embedder.misses) == (2, 4)
        assert np.allclose(first[0], embedder.inner.embed(SENTENCES[:1])[0], atol=1e-5)

    def test_a_stored_sentence_vector_is_used_before_the_cache_and_the_model(self, embedder: Embedder) -> None:
        assert isinstance(embedder, CachingEmbedder)
        stored = {SENTENCES[0]: np.full(embedder.dimension, 0.5, dtype=np.float32)}
        embedder.stored = lambda texts: {t: stored[t] for t in texts if t in stored}
        vectors = embedder.embed(SENTENCES[:2])
        assert np.array_equal(vectors[0], stored[SENTENCES[0]])
        assert (embedder.stored_hits, embedder.hits, embedder.misses) == (1, 0, 1)
