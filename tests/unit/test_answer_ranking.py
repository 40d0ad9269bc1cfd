"""Answer ranking on a fake NLP pipeline and given recommendation spans (the real ones run in integration)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from answering import thresholds
from answering.claim_checks import population_conflicts
from answering.gate import Candidate, Relevance
from answering.question_form import QuestionForm, states_quantity
from answering.ranking import AnswerRanker, is_statement, with_items
from answering.ranking_features import TermCoverage, without_direction
from answering.terms import terms
from ckg.nlp.concepts import Concept, Mention
from ckg.types import Hit, Provenance
from graph.store import GradedSpan

CISPLATIN = Concept("drugbank:DB00515", "Cisplatin", "DrugBank", "DB00515", "drug")


@pytest.mark.parametrize("text", [
    "In adult patients with flail chest after blunt trauma, should operative fixation be performed?",
    "Appropriate treatment of patients with HIV/AIDS taking AEDs and ARVs",
    "Mini-Mental Status Examination (MMSE) scores of 24 or less (Level C)",
    "When assessing frailty in primary and community care settings, consider using 1 of the following:",
    "In deciding whether to screen for PAD with the ABI, clinicians should consider the following factors.",
])
def test_questions_headings_fragments_and_lead_ins_are_not_statements(text: str) -> None:
    assert not is_statement(text)


@pytest.mark.parametrize("text", [
    "Do not use hair removal routinely to reduce the risk of surgical site infection.",
    "Advise patients that they may shower safely 48 hours after surgery.",
    "Korotkoff phase V should be used to designate diastolic BP.",
    "The USPSTF recommends annual screening for lung cancer with low-dose computed tomography.",
])
def test_recommendations_are_statements(text: str) -> None:
    assert is_statement(text)


class FakeNLP:
    """Cisplatin, negated when the text says "not fit for" it."""

    def analyze(self, text: str) -> list[Mention]:
        if "cisplatin" not in text:
            return []
        return [Mention(CISPLATIN, 0, 9, "cisplatin", "negated" if "not fit" in text else "present")]


def relevance(*texts_and_scores: tuple[str, float], guidelines: tuple[str, ...] = (),
              recommendations: dict[str, list[GradedSpan]] | None = None) -> Relevance:
    candidates, offset = [], 0
    for i, (text, _) in enumerate(texts_and_scores):
        g = guidelines[i] if guidelines else "g"
        prov = Provenance(f"c{offset}", g, f"{g}@v", "T", "Recommendations", offset, offset + len(text), text)
        candidates.append(Candidate(Hit(f"c{offset}", 1.0, provenance=prov), offset, offset + len(text), text))
        offset += 1000
    return Relevance(candidates, np.array([s for _, s in texts_and_scores], dtype=np.float32), None,
                     recommendations or {})


def test_a_graded_recommendation_leads_over_a_closer_commentary_sentence() -> None:
    spans = {"c1000": [GradedSpan("r1", 1000, 1080, "B recommendation", "USPSTF", "for", "strong", None)]}
    found = relevance(("Screening with low-dose CT has a high false-positive rate in smokers.", 0.80),
                      ("The USPSTF recommends annual screening with low-dose CT in adults aged 55 to 80.", 0.74),
                      recommendations=spans)
    ranked = AnswerRanker(FakeNLP()).rank("Who should be screened with low-dose CT?", found)  # type: ignore[arg-type]
    assert ranked[0].candidate.start == 1000 and ranked[0].reasons[0] == "recommendation (B recommendation)"


def test_methods_text_gives_way_unless_methods_are_asked_about() -> None:
    found = relevance(("A systematic review of the evidence was undertaken to develop these statements.", 0.80),
                      ("Target a glucose range of 140 to 180 mg/dL in critically ill patients.", 0.72))
    ranker = AnswerRanker(FakeNLP())  # type: ignore[arg-type]
    assert ranker.rank("What glucose range should we target in the ICU?", found)[0].candidate.start == 1000
    assert ranker.rank("What methods were used to develop the glucose guidance?", found)[0].candidate.start == 0


def test_a_sentence_asserting_the_opposite_of_the_question_gives_way() -> None:
    found = relevance(("Concurrent high-dose cisplatin should be delivered with radiotherapy.", 0.82),
                      ("Cetuximab should be delivered to patients not fit for high-dose cisplatin.", 0.76))
    ranker = AnswerRanker(FakeNLP())  # type: ignore[arg-type]
    ranked = ranker.rank("What to give with radiotherapy when the patient is not fit for cisplatin?", found)
    assert ranked[0].candidate.start == 1000
    assert any("asserts the opposite of the question" in reason for reason in ranked[1].reasons)
    fit = ranker.rank("What chemotherapy goes with radiotherapy, cisplatin?", found)
    assert fit[0].candidate.start == 0


def test_sentences_about_the_document_give_way_to_what_it_recommends() -> None:
    found = relevance(("The present guideline provides recommendations for the treatment of constipation.", 0.85),
                      ("The routine use of an abdominal radiograph to diagnose constipation is not indicated.", 0.75))
    ranker = AnswerRanker(FakeNLP())  # type: ignore[arg-type]
    ranked = ranker.rank("Should I x-ray a child with constipation?", found)
    assert ranked[0].candidate.start == 1000 and ranked[1].reasons[0] == "methods"


def test_a_sentence_excluding_what_the_question_excludes_comes_forward() -> None:
    found = relevance(("Cetuximab should not be delivered with chemotherapy in stage IVA-B disease.", 0.80),
                      ("Cetuximab should be delivered to patients not fit for high-dose cisplatin.", 0.77))
    ranker = AnswerRanker(FakeNLP())  # type: ignore[arg-type]
    ranked = ranker.rank("What if the patient is not fit for cisplatin?", found)
    assert ranked[0].candidate.start == 1000
    assert "excludes what the question excludes: drugbank:DB00515" in ranked[0].reasons


def test_the_guideline_retrieval_ranked_first_is_preferred_a_little() -> None:
    found = relevance(("Offer watchful waiting to adults with acute sinusitis when follow-up is assured.", 0.76),
                      ("Prescribe antibiotics for children with severe acute bacterial sinusitis.", 0.78),
                      guidelines=("adult-sinusitis", "child-sinusitis"))
    ranked = AnswerRanker(FakeNLP()).rank("Watchful waiting in adult sinusitis?", found)  # type: ignore[arg-type]
    assert ranked[0].candidate.hit.provenance is not None
    assert ranked[0].candidate.hit.provenance.guideline_id == "adult-sinusitis"


def test_a_recommendation_against_what_was_asked_about_answers_the_question() -> None:
    """The "do not" that makes a recommendation one against X is not a population conflict about X."""
    found = relevance(("Consider assessing frailty in people with multimorbidity.", 0.80),
                      ("Do not use a physical performance tool to assess frailty in a person who is acutely "
                       "unwell.", 0.70))
    ranked = AnswerRanker(FakeNLP()).rank(  # type: ignore[arg-type]
        "Can I use a gait speed test to assess frailty in someone who is acutely unwell?", found)
    assert ranked[0].candidate.start == 1000
    assert without_direction("Do not use cisplatin.") == " use cisplatin."
    assert without_direction("Cisplatin should not be given to patients who do not have cancer.") == (
        "Cisplatin should be given to patients who do not have cancer.")


def test_a_recommendation_for_another_population_gives_way() -> None:
    found = relevance(("Offer observation for 3 days to children with persistent sinusitis.", 0.80),
                      ("Offer watchful waiting to adults with uncomplicated sinusitis.", 0.74))
    ranked = AnswerRanker(FakeNLP()).rank("How long to wait in an adult with sinusitis?", found)  # type: ignore[arg-type]
    assert ranked[0].candidate.start == 1000
    assert "speaks of child where the question asks about adult" in ranked[1].reasons


def test_distinctive_terms_weigh_by_rarity_among_the_candidates() -> None:
    coverage = TermCoverage("Can theatre staff wear rings and watches?", [
        "Theatre staff should wear sterile gowns in theatre.",
        "Theatre staff should keep movements in theatre to a minimum.",
        "Perioperative team members should not wear rings or watches on the hands.",
    ])
    assert coverage.of(2) > 1.5 * coverage.of(0)
    assert TermCoverage("?", ["Anything."]).of(0) == 0.0


def test_distinctive_terms_weigh_also_by_rarity_in_the_corpus_and_the_focus_twice() -> None:
    sentences = ["Staff should keep movements in theatre to a minimum.", "Staff should not wear rings in theatre."]
    plain = TermCoverage("Can staff keep rings on in theatre?", sentences)
    assert plain.of(0) == plain.of(1)  # "keep" and "rings" are equally rare among two candidates
    rare = TermCoverage("Can staff keep rings on in theatre?", sentences, rarity={"keep": 0.5, "ring": 6.0})
    assert rare.of(1) > rare.of(0)
    focus = TermCoverage("Which sound defines diastolic pressure?", [
        "Diastolic pressure should be defined as at least 90 mmHg.", "Phase V sound should designate diastolic."])
    focused = TermCoverage("Which sound defines diastolic pressure?", [
        "Diastolic pressure should be defined as at least 90 mmHg.", "Phase V sound should designate diastolic."],
        focus=frozenset({"sound"}))
    assert focused.of(1) - focused.of(0) > focus.of(1) - focus.of(0)


def test_a_question_asking_for_a_number_leads_with_a_sentence_stating_one() -> None:
    found = relevance(("Platelets should be transfused prophylactically in adults with thrombocytopenia.", 0.82),
                      ("Transfuse hospitalised adults with a platelet count of 10 x 10^9/L or less.", 0.76))
    ranker = AnswerRanker(FakeNLP())  # type: ignore[arg-type]
    ranked = ranker.rank("At what platelet count should an adult get prophylactic platelets?", found)
    assert ranked[0].candidate.start == 1000 and "states the quantity asked for" in ranked[0].reasons
    assert ranker.rank("Should adults get prophylactic platelets?", found)[0].candidate.start == 0


def test_a_sentence_recommending_what_the_question_excludes_gives_way() -> None:
    found = relevance(("Operative management is recommended for grade III/IV pancreatic injuries.", 0.82),
                      ("Nonoperative management is recommended for grade I/II pancreatic injuries.", 0.78))
    ranked = AnswerRanker(FakeNLP()).rank(  # type: ignore[arg-type]
        "Can a pancreatic injury be managed without an operation?", found)
    assert ranked[0].candidate.start == 1000
    assert "speaks of what the question excludes: oper" in ranked[1].reasons


@pytest.mark.parametrize(("question", "quantity", "focus", "excluded"), [
    ("At what platelet count should we transfuse?", True, {"platelet", "count"}, set()),
    ("From what age should fusion be considered?", True, {"age"}, set()),
    ("How often should a jaundiced newborn be fed?", True, set(), set()),
    ("What blood pressure target in heart disease?", True, {"blood", "pressur", "target"}, set()),
    ("Which Korotkoff sound should define diastolic pressure?", False, {"korotkoff", "sound"}, set()),
    ("Can it be managed without an operation in a non-pregnant woman?", False, set(), {"oper", "pregnanc"}),
])
def test_what_a_question_asks_for(question: str, quantity: bool, focus: set[str], excluded: set[str]) -> None:
    form = QuestionForm.of(question)
    assert (form.asks_quantity, set(form.focus), set(form.excluded)) == (quantity, focus, excluded)


@pytest.mark.parametrize(("sentence", "states"), [
    ("Trough concentrations should be kept at 10-15 mg/L.", True),
    ("Offer it to people aged 60 and over.", True),
    ("Feed at least every three hours.", True),
    ("Statement KQ1A: concurrent cisplatin should be delivered.", False),
    ("Recommendation 4: monitor troughs [1B] (Level 2, grade II-2B).", False),
])
def test_a_quantity_is_a_number_that_is_not_a_label(sentence: str, states: bool) -> None:
    assert states_quantity(sentence) is states


@pytest.mark.parametrize(("question", "sentence", "conflict"), [
    ("What size of polyp needs surgery in an asymptomatic patient?", "Symptomatic patients should undergo surgery.",
     True),
    ("What size of polyp needs surgery in an asymptomatic patient?", "Asymptomatic patients with polyps over 10 mm "
     "should undergo surgery.", False),
    ("Can a non-pregnant woman take it?", "Pregnant women should not take it.", True),
    ("Dose for adults?", "Adults and children should receive 10 mg.", False),
    ("Dose for adults?", "Give 10 mg.", False),
    ("Which inhaler for severe asthma?", "In mild to moderate asthma, offer a low-dose ICS.", True),
    ("Which inhaler for severe asthma?", "In moderate to severe asthma, add a LABA.", False),
    ("Which inhaler for severe asthma?", "Severely affected patients should be referred.", False),
    ("Which inhaler for severe asthma?", "Offer a LABA (strong recommendation, moderate-quality evidence).", False),
    ("Which inhaler for severe asthma?", "Offer a LABA (moderate quality of evidence).", False),
])
def test_population_conflicts_between_question_and_sentence(question: str, sentence: str, conflict: bool) -> None:
    assert bool(population_conflicts(question, sentence)) is conflict


@pytest.mark.parametrize(("question", "sentence", "fits"), [
    ("Does a 4 mm lung nodule need CT follow-up?",
     "Do not offer nodule follow-up for people with nodules <5 mm in maximum diameter or <80 mm3 volume.", 1.0),
    ("Does a 4 mm lung nodule need CT follow-up?",
     "Offer CT surveillance to people with nodules ≥5 mm to <8 mm maximum diameter.", -1.0),
    ("Rituximab when the CD4 count is 30?", "Rituximab in patients with CD4 <50/mm3 is not recommended.", 1.0),
    ("Should a 45-year-old woman be screened?", "Screen women aged 50 to 74 years.", -1.0),
    ("Should a 65 year old with weight loss have a CT?", "Consider CT in people aged 60 and over with weight loss.", 1.0),
    ("Should a 65 year old with weight loss have a CT?", "Consider CT in people with weight loss.", 0.0),
    ("From what age is CT advised?", "Consider CT in people aged 60 and over.", 0.0),  # asks for the threshold
    ("How often before the 20th exposure day?", "Test mild cases yearly or after intensive exposure (≥5 EDs).", 0.0),
    ("Which test for a CD4 count of 30?", "Offer it to patients with a platelet count below 50.", 0.0),  # not CD4
])
def test_a_value_the_question_states_is_tested_against_the_ranges_a_sentence_states(
        question: str, sentence: str, fits: float) -> None:
    assert thresholds.fit(thresholds.values(question), sentence) == fits


def test_the_recommendation_whose_range_holds_the_patients_value_leads() -> None:
    found = relevance(("Offer CT surveillance to people with nodules ≥5 mm to <8 mm maximum diameter.", 0.80),
                      ("Do not offer nodule follow-up for people with nodules <5 mm in maximum diameter.", 0.76))
    ranked = AnswerRanker(FakeNLP()).rank("Does a 4 mm lung nodule need CT follow-up?", found)  # type: ignore[arg-type]
    assert ranked[0].candidate.start == 1000
    assert "the question's value is outside the range it states" in ranked[1].reasons


def test_a_strongly_worded_recommendation_leads_over_a_suggestion() -> None:
    found = relevance(("In patients with BTAI, the committee suggests delayed repair.", 0.80),
                      ("In patients with BTAI, the committee strongly recommends endovascular repair.", 0.76))
    ranked = AnswerRanker(FakeNLP()).rank("How should a blunt aortic injury be repaired?", found)  # type: ignore[arg-type]
    assert ranked[0].candidate.start == 1000


def test_what_the_question_sets_aside_gives_way() -> None:
    form = QuestionForm.of("What can I offer for muscle cramps other than quinine?")
    assert form.excluded == {"quinin"}
    assert form.includes_excluded("Quinine derivatives are effective in reducing cramps.") == ["quinin"]


def test_a_list_lead_in_is_quoted_with_its_items() -> None:
    text = ("Consider an urgent CT scan to assess for pancreatic cancer in people aged 60 and over with weight loss "
            "and any of the following:\nDiarrhoea\nBack pain\nNew-onset diabetes [new 2015]\nStomach Cancer\n"
            "Offer endoscopy to people with dysphagia.")
    lead_in = text.split("\n")[0]
    prov = Provenance("c0", "g", "g@v", "T", "Recommendations", 100, 100 + len(text), text)
    candidate = Candidate(Hit("c0", 1.0, provenance=prov), 100, 100 + len(lead_in), lead_in)
    extended = with_items(candidate)
    assert extended.text == text[: text.index("\nStomach Cancer")]
    assert extended.end - extended.start == len(extended.text) and is_statement(extended.text)
    assert not is_statement(lead_in)
    alone = Candidate(candidate.hit, 100, 100 + len(lead_in), lead_in)
    prov_alone = replace(prov, text=lead_in)
    assert with_items(replace(alone, hit=Hit("c0", 1.0, provenance=prov_alone))).text == lead_in
    inline = lead_in + " diarrhoea or back pain.\nStomach Cancer"
    prov_inline = replace(prov, text=inline)
    assert with_items(replace(alone, hit=Hit("c0", 1.0, provenance=prov_inline))).text == lead_in


def test_british_and_american_spellings_are_the_same_terms() -> None:
    assert terms("hospitalised paediatric tumour oedema") == terms("hospitalized pediatric tumor edema")


class ReaderFavouring:
    """A reader that judges one sentence to answer the question (the real one is tested in
    ``tests/integration/test_eval.py``)."""

    name = "favouring"

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        return [0.95 if self.answer in s else 0.05 for s in sentences]


def test_a_configured_reader_moves_the_sentence_it_judges_an_answer_to_the_lead() -> None:
    found = relevance(("In patients with BTAI, the committee suggests delayed repair.", 0.80),
                      ("In patients with BTAI, the committee suggests endovascular repair.", 0.76))
    question = "How should a blunt aortic injury be repaired?"
    assert AnswerRanker(FakeNLP()).rank(question, found)[0].candidate.start == 0  # type: ignore[arg-type]
    ranked = AnswerRanker(FakeNLP(), reader=ReaderFavouring("endovascular")).rank(  # type: ignore[arg-type]
        question, found)
    assert ranked[0].candidate.start == 1000
    assert "the reader judges it answers the question (0.95)" in ranked[0].reasons
