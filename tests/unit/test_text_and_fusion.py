from __future__ import annotations

from ckg.text import normalise_inline, sentence_spans
from retrieval.concept_ranking import concept_weights, rank_chunks
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


def test_rrf_weight_scales_a_channel() -> None:
    rankings = {"dense": ["a", "b"], "graph": ["b", "a"]}
    assert reciprocal_rank_fusion(rankings, k=60)[0].chunk_id == "a"  # a tie broken by id
    assert reciprocal_rank_fusion(rankings, k=60, weights={"graph": 0.5})[0].chunk_id == "a"
    assert reciprocal_rank_fusion(rankings, k=60, weights={"dense": 0.5})[0].chunk_id == "b"


def test_concept_ranking_prefers_rare_and_named_concepts() -> None:
    counts = {"rare": 2, "common": 900, "parent": 2}
    weights = concept_weights(named=["rare", "common"], neighbours=["parent"], chunk_counts=counts, total_chunks=1000)
    assert weights["rare"] > weights["parent"] > weights["common"] > 0
    chunks = {"c1": ["common"], "c2": ["rare"], "c3": ["parent"], "c4": ["rare", "common"], "c5": ["unknown"]}
    assert rank_chunks(chunks, weights, k=10) == ["c4", "c2", "c3", "c1"]
    assert rank_chunks(chunks, weights, k=2) == ["c4", "c2"]
