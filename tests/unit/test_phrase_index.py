"""The concept phrase index: every phrase at every position, overlaps left to the caller."""

from __future__ import annotations

from ckg.nlp.phrase_index import PhraseHit, PhraseIndex

INDEX = PhraseIndex([
    (("heart", "failure"), "CONDITION", "icd:I50"),
    (("congestive", "heart", "failure"), "CONDITION", "icd:I50.9"),
    (("heart", "failure"), "PHENOTYPE", "hp:0001635"),  # the first entry for a sequence wins
    (("fever",), "PHENOTYPE", "hp:0001945"),
    ((), "CONDITION", "icd:empty"),  # an empty phrase is never found
])


def test_every_phrase_is_found_where_it_starts_and_ends() -> None:
    hits = list(INDEX.find(["acute", "congestive", "heart", "failure", "with", "fever"]))
    assert hits == [PhraseHit(1, 4, "CONDITION", "icd:I50.9"), PhraseHit(2, 4, "CONDITION", "icd:I50"),
                    PhraseHit(5, 6, "PHENOTYPE", "hp:0001945")]
    assert len(INDEX) == 3


def test_a_phrase_cut_off_by_the_end_of_the_text_is_not_found() -> None:
    assert list(INDEX.find(["congestive", "heart"])) == []
    assert list(INDEX.find([])) == []
