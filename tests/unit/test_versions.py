"""Versions in time: release dates, as-of instants, supersession read from metadata, and the diff
between two versions (over a fake graph holding two versions' rows)."""

from __future__ import annotations

from typing import Any

import pytest

from ckg.dates import as_of_instant, release_date
from ckg.errors import InputError
from eval.updates import REVISION, edit_one_section
from ingest.supersession import superseded_by_metadata
from ingest.version_diff import diff_versions


@pytest.mark.parametrize(("released", "expected"), [
    ("2006 Apr 3 (revised 2013 Mar 18)", "2013-03-18"),  # the revision, not the original
    ("2008 (revised 2013 May)", "2013-05-01"),
    ("2013 Sep", "2013-09-01"),
    ("2013", "2013-01-01"),
    ("2013 Feb 30", "2013-02-01"),
    (None, None),
    ("unknown", None),
])
def test_release_dates_as_sources_write_them(released: str | None, expected: str | None) -> None:
    found = release_date(released)
    assert (found[:10] if found else None) == expected


def test_as_of_a_date_means_the_end_of_that_day() -> None:
    assert as_of_instant("2025-06-30") == "2025-07-01T00:00:00+00:00"
    assert as_of_instant("2025-06-30T08:00:00+02:00") == "2025-06-30T06:00:00+00:00"
    assert as_of_instant("2025-06-30T08:00:00") == "2025-06-30T08:00:00+00:00"  # naive: UTC
    assert as_of_instant("9999-12-31").startswith("9999-12-31")
    with pytest.raises(InputError, match="expected a date"):
        as_of_instant("2025-13-01")


GUIDELINES = [{"guideline_id": "ngc-1", "title": "Bortezomib in multiple myeloma and lymphoma.", "developer": None},
              {"guideline_id": "ngc-2", "title": "Hypertension.", "developer": None}]


def test_supersession_read_from_the_status_field() -> None:
    status = ("This is the current release of the guideline. This guideline updates a previous version: Reece D. "
              "Bortezomib in multiple myeloma and lymphoma. Toronto (ON): Cancer Care Ontario; 2008 Nov 24.")
    assert superseded_by_metadata("ngc-9", status, GUIDELINES) == ["ngc-1"]
    assert superseded_by_metadata("ngc-1", status, GUIDELINES) == []  # never itself
    assert superseded_by_metadata("ngc-9", "This is the current release of the guideline.", GUIDELINES) == []
    # A title too short to identify a guideline ("Hypertension.") is not matched inside a citation.
    assert superseded_by_metadata("ngc-9", "updates a previous version: Smith J. Hypertension. 2001.", GUIDELINES) == []


def test_one_section_edited() -> None:
    html = "<h3>Major Recommendations</h3><p>Offer X.</p>\n<h3>Clinical Algorithm(s)</h3><p>None.</p>"
    edited = edit_one_section(html)
    assert edited.index(REVISION) < edited.index("<h3>Clinical") and edited.replace(REVISION, "") == html
    with pytest.raises(InputError):
        edit_one_section("<h3>Scope</h3>")


class TwoVersions:
    """The two reads a diff makes, over rows as the graph returns them."""

    def __init__(self, sections: dict[str, list[tuple[str, str]]], recs: dict[str, list[dict[str, Any]]]) -> None:
        self.sections, self.recs = sections, recs

    def version_sections(self, version_id: str) -> list[dict[str, Any]]:
        rows = []
        for ord_, (path, text) in enumerate(self.sections[version_id]):
            rows.append({"path": path, "ord": ord_, "chunk_id": f"{version_id}#c{ord_}", "chunk_ord": ord_,
                         "text": text, "content_sha256": str(hash(text))})
        return rows

    def version_recommendations(self, version_id: str) -> list[dict[str, Any]]:
        return self.recs[version_id]


def rec(text: str, label: str | None, section: str = "Recs") -> dict[str, Any]:
    return {"rec_id": text[:8], "text": text, "section": section, "label": label, "strength": None,
            "direction": None, "certainty": None}


def test_the_diff_tells_a_regrade_from_a_rewording_an_addition_and_a_removal() -> None:
    old, new = "g@1", "g@2"
    graph = TwoVersions(
        {old: [("Recs", "Monitor closely (1B). Test every 3 months (2C)."), ("Costs", "Not analysed."),
               ("Scope", "Adults.")],
         new: [("Recs", "Monitor closely (2B). Test every 6 months (2C)."), ("Audit", "Audit yearly."),
               ("Scope", "Adults.")]},
        {old: [rec("Monitor closely (1B).", "1B"), rec("Test every 3 months (2C).", "2C"),
               rec("Use product X in all patients (1A).", "1A")],
         new: [rec("Monitor closely (2B).", "2B"), rec("Test every 6 months (2C).", "2C"),
               rec("Offer counselling to families of newly diagnosed children.", None)]})
    change = diff_versions(graph, old, new)  # type: ignore[arg-type]
    assert {(s.change, s.path) for s in change.sections} == {("changed", "Recs"), ("removed", "Costs"),
                                                             ("added", "Audit")}
    assert {(r.change, r.old_grade, r.new_grade) for r in change.recommendations} == {
        ("grade changed", "1B", "2B"), ("changed", "2C", "2C"), ("added", None, None), ("removed", "1A", None)}
    assert (change.chunks_unchanged, change.chunks_added, change.chunks_removed) == (1, 2, 2)
    assert change.summary()["recommendations grade changed"] == 1


def test_a_text_stated_twice_is_matched_twice() -> None:
    """Guidelines repeat a recommendation (summary and full text), sometimes with different grades:
    both copies unchanged is no change at all."""
    twice = [rec("Do not give prasugrel after a stroke.", "Class IIa"), rec("Do not give prasugrel after a stroke.",
                                                                             "Class III")]
    graph = TwoVersions({"g@1": [("Recs", "a")], "g@2": [("Recs", "a")]}, {"g@1": twice, "g@2": twice[::-1]})
    assert diff_versions(graph, "g@1", "g@2").recommendations == []  # type: ignore[arg-type]
