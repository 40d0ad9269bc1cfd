"""The embedder contract on both backends: sentence-transformers (torch) and ONNX Runtime int8."""

from __future__ import annotations

import pytest

from ckg.settings import EmbeddingSettings
from retrieval.embeddings import Embedder, get_embedder

from ..contracts.embedder import EmbedderContract


class TestTorchEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self, embedder: Embedder) -> Embedder:  # the session's torch embedder
        return embedder


class TestOnnxInt8Embedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self) -> Embedder:
        return get_embedder(EmbeddingSettings(backend="onnx-int8"))
