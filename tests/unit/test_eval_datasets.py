"""The guideline retrieval set with the query sections withheld: cut out, the rest intact."""

from __future__ import annotations

from ckg.settings import IngestSettings
from eval.datasets import QUERY_SECTIONS, without_sections
from ingest.pipeline import parse_files

from ..conftest import DEV


def test_the_sections_queries_were_copied_from_are_cut_and_the_rest_still_tiles_the_text() -> None:
    (doc,) = parse_files([DEV / "ngc-10033.html"], IngestSettings())
    cut = without_sections(doc, tuple(QUERY_SECTIONS.values()))
    removed = [s for s in doc.sections if s.path.endswith(("Guideline Objective(s)", "Interventions and Practices "
                                                                                        "Considered"))]
    assert len(removed) == 2 and len(cut.sections) == len(doc.sections) - 2
    assert cut.sections[0].char_start == 0 and cut.sections[-1].char_end == len(cut.text)
    assert all(a.char_end == b.char_start for a, b in zip(cut.sections, cut.sections[1:], strict=False))
    original = {s.ord: doc.text[s.char_start : s.char_end] for s in doc.sections}
    assert all(cut.text[s.char_start : s.char_end] == original[s.ord] for s in cut.sections)
    assert all(doc.text[s.char_start : s.char_end] not in cut.text for s in removed)
