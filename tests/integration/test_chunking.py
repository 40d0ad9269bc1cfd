"""Chunks fit the real model's window, in its own tokens, and point at exact spans."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_document
from ingest.loaders import load_document
from retrieval.embeddings import Embedder

NGC = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "guidelines"


def test_every_chunk_fits_the_window_and_matches_its_span(embedder: Embedder, shared_data: Path) -> None:
    for name in ("ngc-federal/ngc-10008.html", "ngc-dev/ngc-10003.html"):
        path = NGC / name
        doc = load_document(path, path.read_bytes())
        chunks = chunk_document(doc, "v", embedder, overlap=48, header_max_tokens=40)
        assert chunks
        lengths = [len(spans) for spans in embedder.token_spans([c.embed_text for c in chunks])]
        assert max(lengths) <= embedder.max_tokens, name
        assert all(doc.text[c.char_start : c.char_end] == c.text for c in chunks)
        assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_consecutive_chunks_of_a_long_section_overlap(embedder: Embedder, shared_data: Path) -> None:
    path = NGC / "ngc-federal" / "ngc-10008.html"
    doc = load_document(path, path.read_bytes())
    chunks = chunk_document(doc, "v", embedder, overlap=48, header_max_tokens=40)
    same_section = [(a, b) for a, b in zip(chunks, chunks[1:], strict=False) if a.section_ord == b.section_ord]
    assert same_section
    assert any(b.char_start < a.char_end for a, b in same_section)
    assert all(b.char_start > a.char_start for a, b in same_section)
