"""The ``Verifier`` contract: what every faithfulness checker must get right on real sentences."""

from __future__ import annotations

import pytest

from answering.faithfulness import Evidence, Verifier

# USPSTF lung cancer screening (ngc-federal/ngc-10192), as a chunk starting at document offset 200.
CHUNK = ("The USPSTF recommends annual screening for lung cancer with low-dose computed tomography (LDCT) in "
         "adults aged 55 to 80 years who have a 30 pack-year smoking history and currently smoke or have quit "
         "within the past 15 years. Screening should be discontinued once a person has not smoked for 15 years "
         "or develops a health problem that substantially limits life expectancy or the ability or willingness "
         "to have curative lung surgery.")
OFFSET = 200
FIRST = CHUNK[: CHUNK.index(". ") + 1]
SECOND = CHUNK[len(FIRST) + 1 :]


def cited(sentence: str) -> list[Evidence]:
    start = OFFSET + CHUNK.index(sentence)
    return [Evidence("g@v#c0000", CHUNK, OFFSET, start, start + len(sentence))]


class VerifierContract:
    @pytest.fixture()
    def verifier(self) -> Verifier:
        raise NotImplementedError("a backend's test class provides the verifier")

    def test_no_evidence_is_unsupported(self, verifier: Verifier) -> None:
        verdict = verifier.verify(FIRST, [])
        assert verdict.verdict == "unsupported" and verdict.reasons

    def test_a_verbatim_quote_is_supported(self, verifier: Verifier) -> None:
        for sentence in (FIRST, SECOND):
            verdict = verifier.verify(sentence, cited(sentence))
            assert verdict.verdict == "supported", (sentence, verdict)
            assert verdict.score > 0.5

    def test_a_changed_number_is_not_supported(self, verifier: Verifier) -> None:
        for changed in (FIRST.replace("55 to 80", "50 to 80"), FIRST.replace("30 pack-year", "20 pack-year")):
            verdict = verifier.verify(changed, cited(FIRST))
            assert verdict.verdict != "supported", (changed, verdict)
            assert verdict.reasons

    def test_a_dropped_not_is_not_supported(self, verifier: Verifier) -> None:
        flipped = SECOND.replace("has not smoked", "has smoked")
        verdict = verifier.verify(flipped, cited(SECOND))
        assert verdict.verdict != "supported", verdict

    def test_the_verdict_names_itself(self, verifier: Verifier) -> None:
        assert verifier.name
