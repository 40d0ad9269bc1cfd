"""How judgements settle, which items are riskiest, how attribution counts, and how a section is
rebuilt from its chunks: the review rules without a database."""

from __future__ import annotations

import csv
import io

from answering.answer import Answer, AnswerSentence, Citation, Faithfulness
from review.attribution import attribute, to_csv
from review.items import ReviewItem, double_reviewed, item_rows, risk
from review.labels import Label, Status, settle
from review.passages import section_text


def judgement(reviewer: str, label: Label, at: str, adjudication: bool = False) -> dict[str, object]:
    return {"reviewer": reviewer, "label": label.value, "at": at, "adjudication": adjudication}


def test_one_reviewer_settles_a_single_review_item() -> None:
    assert settle(1, []).status == Status.open
    done = settle(1, [judgement("a", Label.supports, "1")])
    assert (done.status, done.final) == (Status.settled, Label.supports)


def test_double_review_waits_for_the_second_and_disputes_a_disagreement() -> None:
    first = [judgement("a", Label.supports, "1")]
    assert settle(2, first).status == Status.in_review
    assert settle(2, [*first, judgement("b", Label.supports, "2")]).final == Label.supports
    disputed = [*first, judgement("b", Label.contradicts, "2")]
    assert (settle(2, disputed).status, settle(2, disputed).final) == (Status.disputed, None)
    adjudicated = settle(2, [*disputed, judgement("c", Label.contradicts, "3", adjudication=True)])
    assert (adjudicated.status, adjudicated.final) == (Status.settled, Label.contradicts)


def test_a_reviewer_going_back_replaces_their_own_verdict() -> None:
    changed = [judgement("a", Label.contradicts, "1"), judgement("b", Label.supports, "2"),
               judgement("a", Label.supports, "3")]
    assert settle(2, changed).final == Label.supports


def answer(verdict: str = "supported", score: float = 1.0, verifier: str = "exact-span+extractive") -> Answer:
    citations = [Citation(1, "g@v#c0001", "g", "g@v", "T", "Recs", 10, 40, "q1"),
                 Citation(2, "g@v#c0002", "g", "g@v", "T", "Recs", 50, 90, "q2",
                          {"label": "B", "scheme": "USPSTF", "direction": "for", "strength": "moderate",
                           "certainty": None})]
    sentences = [AnswerSentence("Offer X.", [1, 2], verdict, score), AnswerSentence("Avoid Y.", [2], verdict, score)]
    return Answer("Should I offer X?", "", False, sentences, citations, Faithfulness(verdict, 2, 2, verifier), {})


def test_every_sentence_citation_pair_is_an_item_with_provenance_and_grade() -> None:
    rows = item_rows(answer(), "traffic", False, 0.0)
    assert [(r["sentence"], r["chunk_id"]) for r in rows] == [
        ("Offer X.", "g@v#c0001"), ("Offer X.", "g@v#c0002"), ("Avoid Y.", "g@v#c0002")]
    assert rows[1]["grade"] == "B (USPSTF; for, moderate strength)" and rows[0]["grade"] is None
    assert {r["version_id"] for r in rows} == {"g@v"} and all(r["needs"] == 1 for r in rows)
    assert len({r["item_id"] for r in rows}) == 3
    assert item_rows(answer(), "traffic", False, 1.0)[0]["needs"] == 2


def test_flags_then_thin_margins_llm_text_and_patients_come_first() -> None:
    sure = AnswerSentence("s", [1], "supported", 1.0)
    thin = AnswerSentence("s", [1], "partial", 0.55)
    assert risk(sure, "extractive", False, "traffic") == 0.0
    assert risk(thin, "extractive", False, "traffic") > risk(sure, "llm", False, "traffic") > 0
    assert risk(sure, "extractive", True, "traffic") > 0
    assert risk(sure, "extractive", False, "flag") > risk(thin, "llm", True, "traffic")
    assert item_rows(answer(verifier="claim+llm"), "traffic", False, 0)[0]["generator"] == "llm"


def test_the_double_review_share_is_stable_and_about_right() -> None:
    ids = [f"{i:08x}" + "0" * 12 for i in range(0, 0xFFFFFFFF, 0xFFFFFFFF // 1000)]
    share = sum(double_reviewed(i, 0.2) for i in ids) / len(ids)
    assert 0.18 < share < 0.22
    assert double_reviewed(ids[5], 0.2) == double_reviewed(ids[5], 0.2)


def review_item(guideline: str, developer: str, created: str, labels: list[Label], needs: int = 1) -> ReviewItem:
    reviews = [judgement(f"r{i}", label, f"2026-01-0{i + 1}") for i, label in enumerate(labels)]
    return ReviewItem(f"i-{guideline}-{created}", "q", "s", "q", f"{guideline}@v#c0001", f"{guideline}@v", 0, 1,
                      guideline, guideline.upper(), developer, None, None, "supported", 1.0, [], "extractive", False,
                      "traffic", 0.0, needs, None, created, reviews)


def test_attribution_counts_answers_citations_reviews_and_disputes_per_period() -> None:
    owners = {"g1@v": {"guideline_id": "g1", "title": "G1", "developer": "USPSTF"},
              "g2@v": {"guideline_id": "g2", "title": "G2", "developer": "USPSTF"}}
    answers = [{"time": "2026-02-01", "touched": {"chunks": ["g1@v#c0001", "g1@v#c0002", "g2@v#c0001"]}},
               {"time": "2026-02-02", "touched": {"chunks": ["g1@v#c0003"]}},
               {"time": "2025-01-01", "touched": {"chunks": ["g2@v#c0003"]}}]
    items = [review_item("g1", "USPSTF", "2026-02-01", [Label.supports]),
             review_item("g1", "USPSTF", "2026-02-02", [Label.supports, Label.contradicts], needs=2),
             review_item("g2", "USPSTF", "2026-02-03", [])]
    rows = {r.key: r for r in attribute("guideline", answers, owners, items, since="2026-01-01")}
    g1, g2 = rows["g1"], rows["g2"]
    assert (g1.answers, g1.citations, g1.items, g1.reviewed, g1.judgements, g1.approved, g1.disputes) == (
        2, 3, 2, 2, 3, 2, 1)
    assert (g1.reviewed_share, g1.approval_rate) == (1.0, 0.667)
    assert (g2.answers, g2.citations, g2.items, g2.reviewed, g2.approval_rate) == (1, 1, 1, 0, None)
    [by_developer] = attribute("developer", answers, owners, items)
    assert (by_developer.key, by_developer.answers, by_developer.citations) == ("USPSTF", 3, 5)
    table = list(csv.DictReader(io.StringIO(to_csv([r.row() for r in rows.values()]))))
    assert table[0]["key"] == "g1" and table[0]["contradicts"] == "1" and table[0]["approval_rate"] == "0.667"


def test_a_section_is_rebuilt_from_overlapping_chunks_by_offset() -> None:
    text = "Offer statins to adults. Review yearly. Stop if myopathy."
    chunks = [{"char_start": 100 + 25, "char_end": 100 + 57, "text": text[25:57]},
              {"char_start": 100, "char_end": 100 + 39, "text": text[:39]}]
    assert section_text(chunks) == (text, 100)
    gap = [{"char_start": 0, "char_end": 5, "text": "Offer"}, {"char_start": 6, "char_end": 13, "text": "statins"}]
    assert section_text(gap) == ("Offer statins", 0)
