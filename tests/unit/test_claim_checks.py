"""The claim verifier's deterministic checks on sentences written the way guidelines write them,
and the second (harder) perturbation generator that measures them."""

from __future__ import annotations

import pytest

from answering.claim_checks import intervals, negation, numbers, population_conflicts, populations, strength
from answering.claim_verifier import shortened_quote
from eval.perturbations_hard import (
    change_grade_label,
    change_number_in_range,
    change_population,
    change_time_word,
    raise_wording,
    shorten,
)

EVIDENCE = "Do not use razors for hair removal, because they increase the risk of surgical site infection."


@pytest.mark.parametrize(("claim", "differs"), [
    ("Do not use razors for hair removal.", False),  # shortened: the reason left out
    ("Use razors for hair removal.", True),  # the "not" dropped
    ("Do not use razors, because they do not increase the risk of surgical site infection.", True),  # one added
    ("Use clippers for hair removal.", False),  # another statement: not a negation matter
])
def test_negation_compares_what_each_not_negates(claim: str, differs: bool) -> None:
    assert bool(negation(claim, EVIDENCE, [], [])) is differs


def test_a_negation_cut_short_is_the_same_negation() -> None:
    # the grade label after "not recommended" is left out, not the "not"
    assert not negation("Routine cholangiography is not recommended.",
                        "Routine cholangiography is not recommended [III-B].", [], [])


@pytest.mark.parametrize(("claim", "quoted"), [
    ("Consider nonbiologic therapeutic approaches.", True),  # the example list left out
    ("Give aspirin to adults with angina.", False),  # "unless" left out: says more than the sentence
    ("Use aspirin in adults with angina.", False),  # a word changed, not left out
    ("Give aspirin.", False),  # too short to be a claim
])
def test_a_shortened_quote_says_less_and_nothing_else(claim: str, quoted: bool) -> None:
    sentence = {True: "Consider nonbiologic therapeutic approaches (e.g., inpatient topical therapy).",
                False: "Give aspirin to adults with angina unless they are bleeding."}[quoted]
    assert shortened_quote(claim, sentence) is quoted


def test_a_double_negative_is_a_flip() -> None:
    assert negation("There is not no evidence for screening.", "There is no evidence for screening.", [], [])


def test_a_changed_bound_that_repeats_another_number_is_caught() -> None:
    evidence = "Give 200 to 400 mL of a carbohydrate drink up to 2 hours before surgery."
    assert numbers("Give 400 to 400 mL of a carbohydrate drink.", evidence, evidence)
    assert not numbers("Give 200 to 400 mL of a carbohydrate drink.", evidence, evidence)


def test_a_grade_in_the_note_after_the_sentence_is_the_sentences_grade() -> None:
    sentence = "For persistent neck pain, the panel suggests supervised exercises."
    note = "(Weak recommendation, low-quality evidence)"
    assert not strength(f"{sentence} {note}", sentence, note)
    assert strength(f"{sentence} (Strong recommendation, low-quality evidence)", sentence, note)
    assert strength("Trough levels should be monitored (1A).", "Trough levels should be monitored (1B).")


@pytest.mark.parametrize(("claim", "evidence"), [
    ("Clinicians must perform a screening evaluation.", "Clinicians should perform a screening evaluation."),
    ("Neoadjuvant therapy should be used for uT2N0 patients.", "Neoadjuvant therapy can be used for uT2N0 patients."),
    ("The panel strongly recommends delayed repair.", "The panel recommends delayed repair."),
])
def test_a_recommending_word_one_step_stronger_is_stated_more_strongly(claim: str, evidence: str) -> None:
    assert strength(claim, evidence)
    assert not strength(evidence, claim)  # one step weaker says less


def test_grade_words_inside_brackets_and_the_direction_of_a_grade_are_the_evidences() -> None:
    sentence = "Provide supplemental tyrosine if blood TYR is low."
    assert strength(f"{sentence} (Strong, Conditional)", f"{sentence} (Weak, Conditional)")
    assert not strength(f"{sentence} (Weak, Conditional)", f"{sentence} (Weak, Conditional)")
    note = "(Strong recommendation against the use of an intervention)"
    assert strength("Do not give live vaccines. (Strong recommendation for the use of an intervention)",
                    "Do not give live vaccines.", note)
    assert not strength("Do not give live vaccines. (Strong recommendation)", "Do not give live vaccines.", note)


def test_how_often_and_how_long_in_words_must_be_the_evidences() -> None:
    evidence = "Compression bandages worn daily on alternate days for two months."
    assert intervals("Compression bandages worn weekly.", evidence)
    assert intervals("Bandages worn on alternate weeks.", evidence)
    assert not intervals("Compression bandages worn every day for two months.", evidence)


def test_a_negation_does_not_reach_into_the_next_sentence() -> None:
    evidence = "Urine culture should be obtained. (Strong Recommendation; Grade B)"
    assert negation("Urine culture should not be obtained. (Strong Recommendation; Grade B)", evidence, [], [])


def test_risk_groups_and_the_postpartum_are_populations() -> None:
    assert populations("Low-risk tumours need a 6 mm margin.", "High-risk tumours need a 6 mm margin.",
                       "High-risk tumours need a 6 mm margin.")
    assert populations("Postpartum women should be offered it.", "Pregnant women should be offered it.",
                       "Pregnant women should be offered it.")
    assert population_conflicts("Should a patient at low risk have a CT scan?", "High-risk patients need a CT scan.")


def test_leaving_out_a_hedged_clause_is_not_stating_it_more_strongly() -> None:
    evidence = "Offer a FeNO test to adults, and consider it in children if there is diagnostic uncertainty."
    assert not strength("Offer a FeNO test to adults.", evidence)
    assert strength("Offer a FeNO test in children if there is diagnostic uncertainty.", evidence)


def test_populations_are_those_of_the_sentence_quoted_and_none_may_be_lost() -> None:
    paragraph = "Offer X to adults. Children should not receive X."
    assert populations("Offer X to children.", "Offer X to adults.", paragraph)
    assert populations("Offer it to children and children with asthma.", "Offer it to children and young people "
                       "with asthma.", "Offer it to children and young people with asthma.")
    assert not populations("Offer X to adults.", "Offer X to adults.", paragraph)


@pytest.mark.parametrize(("perturb", "sentence", "expected"), [
    (change_number_in_range, "Screen adults aged 55 to 80 years.", "Screen adults aged 50 to 80 years."),
    (change_number_in_range, "Repeat the test every 3 months.", "Repeat the test every 6 months."),
    (change_number_in_range, "Treat when SBP is ≥40 mm Hg above baseline.", "Treat when SBP is ≥30 mm Hg above "
     "baseline."),
    (change_population, "Offer it to children and young people.", "Offer it to children and children."),
    (change_population, "Nonpregnant women should be offered it.", "Pregnant women should be offered it."),
    (change_grade_label, "Use X (strong recommendation, high-quality evidence).",
     "Use X (conditional recommendation, high-quality evidence)."),
    (change_grade_label, "Monitor trough levels (1B).", "Monitor trough levels (1A)."),
    (change_grade_label, "Use X (Level 2).", "Use X (Level 1)."),
    (change_grade_label, "Assess it when possible (Weak, Consensus).", "Assess it when possible (Strong, Consensus)."),
    (change_population, "Refer high-risk patients.", "Refer low-risk patients."),
    (raise_wording, "Clinicians should screen.", "Clinicians must screen."),
    (raise_wording, "May be used in adults.", "Should be used in adults."),
    (change_time_word, "Worn daily on alternate days.", "Worn weekly on alternate days."),
    (shorten, "Use a validated tool, for example the eFI or PEONY.", "Use a validated tool."),
    (shorten, "Use a tool (e.g., eFI) in primary care.", "Use a tool in primary care."),
    (shorten, "Test for CD in adults with anaemia (Strong recommendation, high level of evidence).",
     "Test for CD in adults with anaemia."),
    (shorten, "Offer statins to adults with CKD, because their cardiovascular risk is high.",
     "Offer statins to adults with CKD."),
    (shorten, "Offer X to adults with Y [new 2015].", "Offer X to adults with Y."),
])
def test_the_second_generator(perturb, sentence: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert perturb(sentence, None) == expected


def test_a_shortening_never_drops_the_recommendation() -> None:
    # the "such as" list runs into the main clause: dropping it would leave a fragment
    assert shorten("Patients with signs of malabsorption, such as chronic diarrhea, should be tested for CD.",
                   None) is None  # type: ignore[arg-type]
