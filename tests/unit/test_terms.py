"""Content terms: what a question asks about, in the words a guideline would use."""

from __future__ import annotations

import pytest

from answering.terms import stem, terms


def test_the_words_a_question_is_built_from_are_not_key_terms() -> None:
    assert terms("What should I test for before starting rituximab? How often can we do it?") == {
        "test", "befor", "start", "rituximab", "often"}


@pytest.mark.parametrize(("clinician", "guideline"), [
    ("jaundiced newborn babies", "jaundice in neonates"),
    ("kidney function in children", "renal function in paediatrics"),
    ("a chest x-ray", "a chest radiograph"),
    ("the first treatment", "the initial treatment"),
    ("every patient", "all patients"),
    ("oesophageal varices", "esophageal varices"),  # British and American spelling
])
def test_a_clinicians_word_and_a_guidelines_share_a_term(clinician: str, guideline: str) -> None:
    assert terms(clinician) == terms(guideline)


def test_stem_reads_words_as_terms_do() -> None:
    assert stem("children") == stem("paediatric") and {stem("operation")} == terms("surgery")
