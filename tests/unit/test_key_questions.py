"""Key questions read from a real guideline: each paired with the statements that answer it."""

from __future__ import annotations

from eval.key_questions import key_questions, labelled_pairs

from ..conftest import DEV


def test_each_key_question_is_answered_by_the_statements_that_follow_it() -> None:
    found = {q.question: q for q in key_questions([DEV / "ngc-7822.html"])}
    assert len(found) == 3
    quinine = found["Is quinine effective in the treatment of muscle cramps?"]  # "Question 2: " is no part of it
    assert any("quinine derivatives for treatment of muscle cramps should be avoided" in a for a in quinine.answers)
    assert not any("quinine" in a.lower() for a in quinine.near_misses)  # the other questions' answers
    assert any("Naftidrofuryl, diltiazem, and vitamin B complex may be considered" in s for s in quinine.near_misses)
    assert quinine.others and not set(quinine.others) & set(quinine.answers)
    assert all(not s.endswith("?") for q in found.values() for s in q.answers + q.near_misses)


def test_pairs_are_labelled_and_held_out_guidelines_are_left_out() -> None:
    questions = key_questions([DEV / "ngc-7822.html"])
    pairs = labelled_pairs(questions)
    assert {label for _, _, label in pairs} == {0.0, 1.0}
    assert sum(label for _, _, label in pairs) == sum(len(q.answers) for q in questions)
    assert key_questions([DEV / "ngc-7822.html"], frozenset({"ngc-7822"})) == []
