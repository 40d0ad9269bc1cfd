"""Which kind of quantity a question asks for, and which sentences state one of that kind."""

from __future__ import annotations

import pytest

from answering import quantity_kinds


@pytest.mark.parametrize(("question", "kind"), [
    ("How often should ferritin be checked on deferasirox?", "frequency"),
    ("At what interval should surveillance colonoscopy be repeated?", "frequency"),
    ("How long should anticoagulation continue after a provoked PE?", "duration"),
    ("How soon after a stroke can dabigatran start?", "timing"),
    ("How quickly should antibiotics be given in sepsis?", "timing"),
    ("From what age should girls get the HPV vaccine?", "age"),
    ("What starting dose of levothyroxine for an older adult?", "dose"),
    ("What infusion rate for maintenance fluids in children?", "rate"),
    ("What blood pressure target after a lacunar stroke?", None),  # a quantity, of no particular kind
    ("When should a patient be referred for transplant?", None),  # "when" asks in which circumstances
    ("Should statins be offered to people with CKD?", None),
])
def test_the_kind_a_question_asks_for(question: str, kind: str | None) -> None:
    assert quantity_kinds.asked(question) == kind


@pytest.mark.parametrize(("kind", "sentence", "states"), [
    ("frequency", "Check serum ferritin every 3 months.", True),
    ("frequency", "Repeat the test annually in those at risk.", True),
    ("frequency", "Check serum ferritin in all patients on chelation.", False),
    ("duration", "Continue anticoagulation for at least 3 months.", True),
    ("duration", "Offer 6 months of adjuvant chemotherapy.", True),
    ("duration", "Start anticoagulation within 48 hours.", False),
    ("timing", "Start anticoagulation within 48 hours of the bleed.", True),
    ("timing", "Give the first dose immediately after blood cultures are drawn.", True),
    ("timing", "Offer 6 months of adjuvant chemotherapy.", False),
    ("age", "Vaccinate girls aged 11 to 12 years.", True),
    ("age", "Offer screening to women 50 to 74 years of age.", True),
    ("age", "Offer screening to women at average risk.", False),
    ("dose", "Start at 25 to 50 mcg daily.", True),
    ("dose", "Give 1.6 mg/kg of levothyroxine.", True),
    ("dose", "Levothyroxine is the treatment of choice.", False),
    ("rate", "Infuse isotonic fluid at 100 ml per hour.", True),
    ("rate", "Give isotonic fluid to all children.", False),
])
def test_a_sentence_states_a_quantity_of_a_kind(kind: str, sentence: str, states: bool) -> None:
    assert quantity_kinds.states(kind, sentence) is states
