from __future__ import annotations

from ckg.text import normalise_inline, sentence_spans
from retrieval.fusion import reciprocal_rank_fusion


def test_sentence_spans_keep_clinical_abbreviations_together() -> None:
    text = "Patients aged 50 yrs, e.g. smokers, should be screened; see Fig. 2. Metformin 500 mg b.i.d. is first line."
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "Patients aged 50 yrs, e.g. smokers, should be screened; see Fig. 2.",
        "Metformin 500 mg b.i.d. is first line.",
    ]


def test_sentence_spans_are_exact_even_for_repeated_sentences() -> None:
    text = "Review yearly. Review yearly. Stop if bleeding."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["Review yearly.", "Review yearly.", "Stop if bleeding."]
    assert spans[0] != spans[1]


def test_normalise_inline_collapses_whitespace_and_composes_unicode() -> None:
    assert normalise_inline("  5\u00a0mg\n daily  ") == "5 mg daily"
    assert normalise_inline("cafe\u0301") == "caf\u00e9"


def test_rrf_rewards_agreement_between_retrievers() -> None:
    fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "bm25": ["b", "d"]}, k=60)
    assert [h.chunk_id for h in fused][:2] == ["b", "a"]
    assert fused[0].ranks == {"dense": 2, "bm25": 1}
