"""The ``Generator`` contract: an answer writer cites only what it was given, or says why not."""

from __future__ import annotations

import numpy as np
import pytest

from answering.draft import Generator
from answering.gate import Relevance
from ckg.types import Hit

Evidence = tuple[str, list[Hit], Relevance]  # a question, its retrieved hits, the gate's finding on them


class GeneratorContract:
    @pytest.fixture()
    def generator(self) -> Generator:
        raise NotImplementedError("a backend's test class provides the generator")

    @pytest.fixture()
    def evidence(self) -> Evidence:
        raise NotImplementedError("a backend's test class provides a question with relevant retrieved evidence")

    def test_cites_only_the_hits_it_was_given(self, generator: Generator, evidence: Evidence) -> None:
        question, hits, relevance = evidence
        draft = generator.draft(question, hits, relevance)
        assert draft.sentences or draft.declined, "neither an answer nor a reason"
        given = {h.chunk_id for h in hits}
        for sentence in draft.sentences:
            assert sentence.text.strip()
            for cited in sentence.cites:
                prov = cited.hit.provenance
                assert cited.hit.chunk_id in given and prov is not None
                assert prov.char_start <= cited.start < cited.end <= prov.char_end

    def test_refuses_with_a_reason_when_given_no_evidence(self, generator: Generator) -> None:
        draft = generator.draft("Should adults be screened for lung cancer?", [],
                                Relevance([], np.zeros(0, dtype=np.float32), None))
        assert draft.sentences == [] and draft.declined

    def test_has_a_name_for_the_faithfulness_record(self, generator: Generator) -> None:
        assert generator.name
