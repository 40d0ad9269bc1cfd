"""A reader trained here, on real guidelines' key questions, from the packaged embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest

from answering.reader import CrossEncoderReader, Reader
from ckg.errors import ConfigurationError
from ckg.settings import get_settings
from eval.key_questions import key_questions, labelled_pairs
from eval.reader_training import train_reader
from retrieval.embeddings import resolve_model_path

from ..conftest import DEV
from ..contracts.reader import ReaderContract

GUIDELINES = [DEV / "ngc-7822.html", DEV / "ngc-11075.html"]  # both state their key questions


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, float]]]:
    pairs = labelled_pairs(key_questions(GUIDELINES))
    out = tmp_path_factory.mktemp("reader") / "key-questions"
    # a few dozen steps: a higher learning rate than a real run's, so that so little data teaches it
    train_reader(pairs, resolve_model_path(get_settings().embedding.model), out, epochs=12, learning_rate=1e-4)
    return out, pairs


class TestCrossEncoderReader(ReaderContract):
    @pytest.fixture()
    def reader(self, trained: tuple[Path, list[tuple[str, str, float]]]) -> Reader:
        return CrossEncoderReader(trained[0])


def test_training_teaches_it_a_questions_answers_from_the_guidelines_other_statements(
        trained: tuple[Path, list[tuple[str, str, float]]]) -> None:
    path, pairs = trained
    reader = CrossEncoderReader(path)
    scored = {label: [reader.scores(q, [s])[0] for q, s, lab in pairs if lab == label] for label in (0.0, 1.0)}
    assert sum(scored[1.0]) / len(scored[1.0]) > sum(scored[0.0]) / len(scored[0.0]) + 0.1


def test_a_folder_that_is_no_model_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a cross-encoder model directory"):
        CrossEncoderReader(tmp_path)
