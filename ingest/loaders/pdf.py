"""PDF: text per page with pypdf; each page is a section ("Page N")."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ckg.errors import InputError
from ckg.text import split_paragraphs
from ckg.types import Document
from ingest.loaders.common import DocumentBuilder, SourceMeta, make_meta


def load(path: Path, data: bytes, sidecar: SourceMeta) -> Document:
    if not data.strip():
        raise InputError("file is empty", source=str(path))
    if not data.lstrip().startswith(b"%PDF"):
        raise InputError("is not a PDF (no %PDF header)", source=str(path))
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info: dict[str, object] = dict(reader.metadata or {})
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InputError(f"is not a readable PDF: {exc}", source=str(path)) from exc
    builder = DocumentBuilder()
    for number, page_text in enumerate(pages, start=1):
        builder.add(f"Page {number}", f"Page {number}", split_paragraphs(page_text))
    found = {"title": str(info.get("/Title") or ""), "developer": str(info.get("/Author") or "")}
    return builder.build(make_meta(path, found, sidecar), path)
