"""Recommendation statements found in real guidelines, with their grades and exact spans."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import load_document
from ingest.recommendations import extract_recommendations

GUIDELINES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "guidelines"


def recommendations(name: str):  # type: ignore[no-untyped-def]
    path = GUIDELINES / name
    doc = load_document(path, path.read_bytes())
    recs = extract_recommendations(doc, "v", [])
    assert all(doc.text[r.char_start : r.char_end] == r.text for r in recs)
    return recs


def test_uspstf_aaa_statements_and_grades(shared_data: Path) -> None:
    recs = recommendations("ngc-federal/ngc-10510.html")
    by_label = {r.grade.label: r for r in recs if r.grade.graded}
    assert set(by_label) >= {"B recommendation", "C recommendation", "D recommendation", "I statement"}
    assert "men aged 65 to 75 years who have ever smoked" in by_label["B recommendation"].text
    assert by_label["D recommendation"].grade.direction == "against"
    # The grade definitions NGC appends ("Definitions: ... A The USPSTF recommends the service") are not statements.
    assert not any(r.text.startswith("The USPSTF recommends the service") for r in recs)


def test_acc_aha_class_headings_combine_with_levels(shared_data: Path) -> None:
    recs = recommendations("ngc-dev/ngc-9902.html")
    assert len(recs) > 50
    first = recs[0]
    assert first.grade.label == "Class I; Level of Evidence: C"
    assert (first.grade.scheme, first.grade.strength, first.grade.certainty) == ("ACC/AHA", "strong", "low")
    assert any(r.grade.label and r.grade.label.startswith("Class III") and r.grade.direction == "against" for r in recs)


def test_nice_statements_are_graded_by_their_verb(shared_data: Path) -> None:
    recs = recommendations("ngc-dev/ngc-11311.html")
    offers = [r for r in recs if r.text.startswith("Offer ")]
    assert offers and all(r.grade.strength == "strong" and r.grade.direction == "for" for r in offers)
    assert not any("'offer' and 'consider'" in r.text for r in recs)
