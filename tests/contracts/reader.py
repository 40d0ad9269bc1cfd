"""The ``Reader`` contract: a probability per sentence, in order, the same every time."""

from __future__ import annotations

import pytest

from answering.reader import Reader

QUESTION = "Is quinine effective in the treatment of muscle cramps?"
SENTENCES = [
    "Quinine derivatives are effective in reducing the frequency of muscle cramps.",
    "Naftidrofuryl is currently not available in the United States.",
    "The guideline was developed by a panel of neurologists.",
]


class ReaderContract:
    @pytest.fixture()
    def reader(self) -> Reader:
        raise NotImplementedError("a backend's test class provides the reader")

    def test_one_probability_per_sentence_in_order(self, reader: Reader) -> None:
        scores = reader.scores(QUESTION, SENTENCES)
        assert len(scores) == len(SENTENCES) and all(0.0 <= s <= 1.0 for s in scores)
        assert reader.scores(QUESTION, SENTENCES[::-1]) == pytest.approx(scores[::-1], abs=1e-5)

    def test_nothing_to_read_is_no_score(self, reader: Reader) -> None:
        assert reader.scores(QUESTION, []) == []

    def test_it_is_named(self, reader: Reader) -> None:
        assert reader.name
