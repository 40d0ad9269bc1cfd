"""A reader: a cross-encoder that reads the question and one sentence together and scores whether
the sentence answers it.

The answer ranker's features (relevance, recommendation, grade, coverage, population ...) find the
right guideline and the recommendations in it; which of a guideline's recommendations answers *this*
question is a judgement of meaning they cannot make ("How should it be repaired?": endovascular
repair, not the timing of repair). A reader makes it. None can be downloaded here, so none is
configured by default: point ``CKG_RETRIEVAL__READER`` at any sentence-transformers ``CrossEncoder``
directory (one trained on clinical question answering does best), or build one from the guidelines'
own key questions with ``ckg eval reader-train``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ckg.errors import ConfigurationError


class Reader(Protocol):
    name: str

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        """For each sentence, how likely it answers the question, in [0, 1]."""
        ...


class CrossEncoderReader:
    def __init__(self, path: Path, max_length: int = 128) -> None:
        if not (path / "config.json").is_file():
            raise ConfigurationError(f"reader: {path} is not a cross-encoder model directory (no config.json)")
        from sentence_transformers import CrossEncoder  # torch loads only where a reader is configured
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no load bars in a server's log
        self.name = path.name
        self._model = CrossEncoder(str(path), device="cpu", max_length=max_length)

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        # a one-label cross-encoder applies its sigmoid in predict: probabilities
        return [float(p) for p in self._model.predict([(question, s) for s in sentences], show_progress_bar=False)]
