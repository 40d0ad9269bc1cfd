"""Loaders on real NGC HTML and on generated Markdown, text and PDF; bad input is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from ckg.errors import InputError
from ingest.discovery import discover, read_sidecar
from ingest.loaders import load_document
from ingest.loaders.pubmedqa import iter_documents

NGC = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "guidelines" / "ngc-federal"


def test_ngc_html_keeps_heading_hierarchy_and_metadata() -> None:
    path = NGC / "ngc-10008.html"
    doc = load_document(path, path.read_bytes())
    assert doc.meta.guideline_id == "ngc-10008"
    assert doc.meta.developer == "U.S. Preventive Services Task Force - Independent Expert Panel"
    assert doc.meta.title.startswith("Screening for peripheral artery disease")
    paths = [s.path for s in doc.sections]
    assert "Recommendations > Major Recommendations" in paths
    major = doc.sections[paths.index("Recommendations > Major Recommendations")]
    body = doc.text[major.char_start : major.char_end]
    assert "The USPSTF concludes that the current evidence is insufficient" in body
    # Inline markup must not split words or add stray spaces: "(A, B, C, D, or I)".
    assert "(A, B, C, D, or I)" in body


def test_sections_tile_the_text_without_overlap() -> None:
    path = NGC / "ngc-10510.html"
    doc = load_document(path, path.read_bytes())
    ends = [(s.char_start, s.char_end) for s in doc.sections]
    assert all(a < b for a, b in ends)
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(ends, ends[1:], strict=False))
    assert ends[-1][1] == len(doc.text)


def test_sidecar_metadata_overrides_file(tmp_path: Path) -> None:
    (tmp_path / "g.html").write_text("<html><head><title>Old</title></head><body><p>Offer statins.</p></body></html>")
    (tmp_path / "index.jsonl").write_text('{"id": "g-1", "file": "g.html", "title": "New", "released": "2020"}\n')
    sidecar = read_sidecar(tmp_path)
    doc = load_document(tmp_path / "g.html", (tmp_path / "g.html").read_bytes(), sidecar["g.html"])
    assert (doc.meta.guideline_id, doc.meta.title, doc.meta.released) == ("g-1", "New", "2020")


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    md = tmp_path / "htn.md"
    md.write_text(
        "---\nid: htn-2024\ntitle: Hypertension\ndeveloper: Example Society\n---\n"
        "# Hypertension\n\n## Treatment\n\n### First line\n\nOffer a thiazide-like diuretic.\n\n"
        "## Monitoring\n\nMeasure blood pressure yearly.\n"
    )
    doc = load_document(md, md.read_bytes())
    assert doc.meta.guideline_id == "htn-2024" and doc.meta.developer == "Example Society"
    assert [s.path for s in doc.sections] == ["Treatment > First line", "Monitoring"]
    assert doc.text.startswith("Offer a thiazide-like diuretic.")


def test_plain_text_paragraphs(tmp_path: Path) -> None:
    txt = tmp_path / "note.txt"
    txt.write_text("Aspirin is not recommended\nfor primary prevention.\n\nReview yearly.\n")
    doc = load_document(txt, txt.read_bytes())
    assert doc.text == "Aspirin is not recommended for primary prevention.\nReview yearly."


def test_pdf_pages_become_sections(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_title("Anticoagulation guideline")
    for text in ("Offer apixaban to adults with atrial fibrillation.", "Review renal function annually."):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 10, text)
    path = tmp_path / "af.pdf"
    pdf.output(str(path))
    doc = load_document(path, path.read_bytes())
    assert doc.meta.title == "Anticoagulation guideline"
    assert [s.path for s in doc.sections] == ["Page 1", "Page 2"]
    assert "Offer apixaban to adults with atrial fibrillation." in doc.text


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.html", b"", "file is empty"),
        ("blank.txt", b"  \n\n ", "file is empty"),
        ("junk.html", bytes(range(256)) * 8, "binary data"),
        ("latin1.txt", "Dosis: 5 µg für Kinder".encode("latin-1"), "is not valid utf-8"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
        ("fake.pdf", b"hello", "is not a PDF"),
        ("nothing.html", b"<html><body><script>x()</script></body></html>", "no text content"),
    ],
)
def test_bad_input_is_refused_with_file_and_problem(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_document(path, content)
    assert problem in str(caught.value)
    assert str(path) in str(caught.value)


def test_discover_refuses_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no documents"):
        discover([tmp_path / "empty"])


def test_pubmedqa_corpus_lines_become_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        '{"pmid": 1, "year": 2001, "contexts": ["Background text.", "Methods text."], "labels": ["BACKGROUND", "METHODS"]}\n'
        "not json\n"
    )
    documents = iter_documents(corpus)
    first = next(documents)
    assert first.meta.guideline_id == "pmid-1"
    assert [s.path for s in first.sections] == ["Background", "Methods"]
    with pytest.raises(InputError, match=r"corpus.jsonl:2"):
        next(documents)
