from __future__ import annotations

import pytest

from answering.faithfulness import Evidence, ExactSpanVerifier, Verdict, Verifier, overall

from ..contracts.verifier import VerifierContract

CHUNK = "Offer a statin to adults aged 40 to 75 years. Do not offer aspirin for primary prevention."


def evidence(start: int, end: int) -> Evidence:
    return Evidence("c1", CHUNK, chunk_start=1000, char_start=1000 + start, char_end=1000 + end)


def test_exact_quote_at_its_span_is_supported() -> None:
    claim = "Do not offer aspirin for primary prevention."
    start = CHUNK.index(claim)
    verdict = ExactSpanVerifier().verify(claim, [evidence(start, start + len(claim))])
    assert verdict.verdict == "supported"


def test_dropped_negation_is_unsupported() -> None:
    claim = "Offer aspirin for primary prevention."
    verdict = ExactSpanVerifier().verify(claim, [evidence(0, len(claim))])
    assert verdict.verdict == "unsupported"


def test_changed_number_is_unsupported() -> None:
    claim = "Offer a statin to adults aged 40 to 80 years."
    assert ExactSpanVerifier().verify(claim, [evidence(0, len(claim))]).verdict == "unsupported"


def test_no_evidence_is_unsupported() -> None:
    assert ExactSpanVerifier().verify("Offer a statin.", []).verdict == "unsupported"


def test_overall_verdict() -> None:
    yes, no = Verdict("supported", 1.0), Verdict("unsupported", 0.0)
    assert overall([yes, yes]) == "supported"
    assert overall([yes, no]) == "partial"
    assert overall([no]) == "unsupported"


class TestExactSpanVerifier(VerifierContract):
    @pytest.fixture()
    def verifier(self) -> Verifier:
        return ExactSpanVerifier()
