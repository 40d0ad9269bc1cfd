"""The answer policy and the LLM output parser, on fakes (the real models run in integration)."""

from __future__ import annotations

from collections.abc import Sequence

from answering.answer import UNSUPPORTED_MARK, Answer
from answering.checking import DraftChecker
from answering.draft import Cited, Draft, DraftSentence
from answering.faithfulness import Evidence, Verdict
from answering.llm.prompt import ParsedSentence, number_evidence, parse_answer
from ckg.types import Hit, Provenance

TEXT = "Offer metformin to adults with type 2 diabetes. Review the dose every 3 months."


def hit() -> Hit:
    prov = Provenance("c1", "g1", "g1@v1", "Diabetes", "Recommendations", 100, 100 + len(TEXT), TEXT)
    return Hit("c1", 1.0, provenance=prov)


class WordVerifier:
    """Supported iff every word of the claim occurs in the cited spans."""

    name = "words"

    def verify(self, claim: str, evidence: Sequence[Evidence]) -> Verdict:
        cited = " ".join(e.chunk_text[e.char_start - e.chunk_start : e.char_end - e.chunk_start] for e in evidence)
        ok = all(w in cited for w in claim.rstrip(".").split())
        return Verdict("supported" if ok else "unsupported", 1.0 if ok else 0.0, [] if ok else ["words missing"])


def drafts() -> list[DraftSentence]:
    h = hit()
    whole = Cited(h, 100, 100 + len(TEXT))
    return [
        DraftSentence("Offer metformin to adults", (whole,)),
        DraftSentence("Offer insulin to children", (whole,)),
        DraftSentence("Review the dose", (whole,), problems=("cites [7], but only passages 1-1 were given",)),
        DraftSentence("Review the dose", ()),
    ]


def check(sentences: list[DraftSentence], policy: str) -> Answer:
    return DraftChecker(WordVerifier(), policy).check("q", Draft(sentences), "fake")  # type: ignore[arg-type]


def test_remove_policy_keeps_only_supported_sentences() -> None:
    answer = check(drafts(), "remove")
    assert not answer.abstained
    assert [s.text for s in answer.sentences] == ["Offer metformin to adults"]
    assert answer.answer == "Offer metformin to adults [1]"
    assert answer.faithfulness.removed == 3 and answer.faithfulness.verdict == "supported"
    assert answer.citations[0].quote == TEXT and answer.citations[0].char_start == 100


def test_mark_policy_flags_unsupported_sentences_with_reasons() -> None:
    answer = check(drafts(), "mark")
    verdicts = [(s.verdict, s.reasons) for s in answer.sentences]
    assert verdicts[1] == ("unsupported", ["words missing"])
    assert verdicts[2] == ("unsupported", ["cites [7], but only passages 1-1 were given"])
    assert verdicts[3] == ("unsupported", ["cites no evidence"])
    assert answer.answer.count(UNSUPPORTED_MARK) == 3
    assert answer.faithfulness.verdict == "partial" and answer.faithfulness.removed == 0


def test_abstains_when_nothing_supported_remains() -> None:
    for policy in ("remove", "mark"):
        answer = check(drafts()[1:], policy)
        assert answer.abstained and answer.sentences == [] and answer.citations == []
        assert answer.abstain_reason == "no answer sentence is supported by the evidence it cites"
    declined = DraftChecker(WordVerifier(), "remove").check("q", Draft([], "the model found nothing"), "fake")
    assert declined.abstained and declined.abstain_reason == "the model found nothing"
    assert declined.faithfulness.verifier == "words+fake"


def test_parser_strips_markers_and_separates_invalid_citations() -> None:
    parsed = parse_answer("Offer metformin [1]. Insulin is first line [2, 5].\nCheck HbA1c.", passages=2)
    assert parsed == [
        ParsedSentence("Offer metformin.", (1,), ()),
        ParsedSentence("Insulin is first line.", (2,), (5,)),
        ParsedSentence("Check HbA1c.", (), ()),
    ]


def test_parser_attaches_a_stray_marker_to_its_sentence_and_reads_refusals() -> None:
    assert parse_answer("Offer metformin to adults. [1]", passages=1) == [ParsedSentence("Offer metformin to adults.", (1,), ())]
    assert parse_answer("INSUFFICIENT EVIDENCE", passages=3) is None
    assert parse_answer("", passages=3) == []


def test_evidence_is_numbered_with_title_and_section() -> None:
    assert number_evidence([hit()]) == f"[1] (Diabetes; Recommendations) {TEXT}"
