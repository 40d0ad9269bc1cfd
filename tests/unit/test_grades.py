"""Grade normalisation, one row per scheme, with labels and sentences as the real NGC guidelines write them."""

from __future__ import annotations

import pytest

from ingest.grades import declared_scheme, normalise, trailing_grade_note

USPSTF_DEV = "U.S. Preventive Services Task Force - Independent Expert Panel"

# (source, sentence, label as written, developer, expected (scheme, direction, strength, certainty))
TABLE = [
    ("ngc-10510", "The USPSTF recommends 1-time screening for abdominal aortic aneurysm (AAA) with ultrasonography "
     "in men aged 65 to 75 years who have ever smoked.", "B recommendation", USPSTF_DEV,
     ("USPSTF", "for", "strong", "moderate")),
    ("ngc-10510", "The USPSTF recommends against routine screening for AAA in women who have never smoked.",
     "D recommendation", USPSTF_DEV, ("USPSTF", "against", "strong", "moderate")),
    ("ngc-10008", "The USPSTF concludes that the current evidence is insufficient to assess the balance of benefits "
     "and harms of screening for peripheral artery disease (PAD).", "I statement", USPSTF_DEV,
     ("USPSTF", "insufficient", "insufficient", "low")),
    ("ngc-10510", "The USPSTF recommends that clinicians selectively offer screening for AAA in men aged 65 to 75 "
     "years who have never smoked.", "C recommendation", USPSTF_DEV, ("USPSTF", "for", "weak", "moderate")),
    ("ngc-10635", "The AGA recommends antiviral prophylaxis over no prophylaxis for patients at high risk.",
     "Strong recommendation, Moderate-quality evidence", "AGA", ("GRADE", "for", "strong", "moderate")),
    ("ngc-10635", "The AGA suggests against routinely using antiviral prophylaxis in patients at low risk.",
     "Weak recommendation; Moderate-quality evidence", "AGA", ("GRADE", "against", "weak", "moderate")),
    ("ngc-10826", "x", "Conditional recommendation; Moderate quality evidence", "", ("GRADE", "for", "weak", "moderate")),
    ("ngc-10903", "x", "Quality/Certainty of Evidence: Moderate, Strength of Recommendation: Strong", "",
     ("GRADE", "for", "strong", "moderate")),
    ("ngc-11053", "x", "Weak; Moderate", "", ("GRADE", "for", "weak", "moderate")),
    ("ngc-10959", "x", "2|++OO", "", ("GRADE", "for", "weak", "low")),
    ("ngc-10944", "x", "1C", "", ("GRADE (1/2, A-C)", "for", "strong", "low")),
    ("ngc-9902", "Permanent pacemaker implantation is indicated for symptomatic chronotropic incompetence.",
     "Class I; Level of Evidence: C", "ACCF/AHA", ("ACC/AHA", "for", "strong", "low")),
    ("ngc-9902", "Permanent pacemaker implantation is reasonable for SND with heart rate less than 40 bpm.",
     "Class IIa; Level of Evidence: C", "ACCF/AHA", ("ACC/AHA", "for", "moderate", "low")),
    ("ngc-9902", "Permanent pacemaker implantation is not indicated for SND in asymptomatic patients.",
     "Class III; Level of Evidence: C", "ACCF/AHA", ("ACC/AHA", "against", "strong", "low")),
    ("ngc-9572", "x", "Level of Evidence: B", "", ("evidence level", "for", None, "moderate")),
    ("ngc-10762", "x", "Level of Evidence = IV", "", ("evidence level", "for", None, "very low")),
    ("ngc-11272", "x", "GPP", "", ("good practice point", "for", "good-practice", None)),
    ("ngc-10959", "x", "Ungraded best practice statement", "", ("good practice point", "for", "good-practice", None)),
    ("ngc-10425", "x", "Expert Opinion", "", ("expert opinion", "for", "expert-opinion", None)),
    ("ngc-9959", "x", "Evidence Quality: Grade B; Recommendation", "", ("AAP", "for", "moderate", "moderate")),
    ("ngc-10424", "x", "Standard; Evidence Strength Grade B", "", ("AAP", "for", "strong", "moderate")),
    ("ngc-10603", "x", "Strength of Evidence = C; Strength of Recommendation = Strong positive recommendation", "",
     ("GRADE", "for", "strong", "low")),
    # Schemes declared in words of their own
    ("ngc-10983", "x", "Grade B; BEL 2", "American Association of Clinical Endocrinologists",
     ("AACE", "for", "moderate", "moderate")),
    ("AACE", "x", "Grade A [strong]", "", ("AACE", "for", "strong", None)),
    ("AACE", "x", "Grade C; BEL 4, upgraded due to potential benefit", "", ("AACE", "for", "weak", "very low")),
    ("ASCO", "x", "Type: informal consensus, benefits outweigh harms; Evidence quality: low; Strength of "
     "recommendation: weak", "", ("GRADE", "for", "weak", "low")),
    ("CAP", "x", "Recommendation", "College of American Pathologists", ("declared", "for", "moderate", None)),
    ("CAP", "x", "No recommendation", "", ("declared", "insufficient", "insufficient", None)),
    ("CAP", "x", "Evidence strength: moderate; Recommendation strength: strong", "",
     ("GRADE", "for", "strong", "moderate")),
]


@pytest.mark.parametrize(("source", "sentence", "label", "developer", "expected"), TABLE, ids=[r[0] + ":" + r[2] for r in TABLE])
def test_grade_normalisation_table(source: str, sentence: str, label: str, developer: str, expected: tuple) -> None:
    grade = normalise(sentence, label, developer=developer)
    assert (grade.scheme, grade.direction, grade.strength, grade.certainty) == expected
    assert grade.label == label  # the original label is always kept


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [  # ngc-11311 (NICE): the verb carries the strength
        ("Offer a FeNO test to adults (aged 17 and over) if a diagnosis of asthma is being considered.",
         ("'offer'", "for", "strong")),
        ("Consider a FeNO test in children and young people (aged 5 to 16) if there is diagnostic uncertainty.",
         ("'consider'", "for", "weak")),
        ("Do not use symptoms alone without an objective test to diagnose asthma.", ("'do not'", "against", "strong")),
        # a "do not" in the condition says when, not which way
        ("If parents do not want to take part in a group programme, offer an individual programme.",
         ("'offer'", "for", "strong")),
        ("If the child is under 2, do not offer antibiotics.", ("'do not offer'", "against", "strong")),
    ],
)
def test_nice_wording(sentence: str, expected: tuple) -> None:
    grade = normalise(sentence, None, offer_consider_wording=True)
    assert (grade.label, grade.direction, grade.strength) == expected


def test_no_grade_stated_is_said_not_invented() -> None:
    grade = normalise("Clinicians should consider the balance of benefits and harms.", None)
    assert grade.label is None and not grade.graded
    assert (grade.strength, grade.certainty) == (None, None)


def test_declared_scheme_is_used_for_labels_no_known_scheme_covers() -> None:
    declared = declared_scheme("Definitions:\nR\nThe panel strongly recommends this intervention.\n"
                               "O: An option; the panel found limited evidence.")
    strong = normalise("x", "R", declared=declared)
    weak = normalise("x", "O", declared=declared)
    assert (strong.scheme, strong.strength) == ("declared", "strong")
    assert (weak.scheme, weak.strength) == ("declared", "weak")


def test_trailing_notes_are_grades_but_citations_and_years_are_not() -> None:
    assert trailing_grade_note("Pacing is indicated (Kay et al., 1982). (Level of Evidence: C)") == "Level of Evidence: C"
    assert trailing_grade_note("Screen annually (new 2014)") is None
    assert trailing_grade_note("Pacing is indicated (Kay, Estioko, & Wiener, 1982).") is None
