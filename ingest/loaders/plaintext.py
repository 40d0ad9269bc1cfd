"""Plain text: blank-line separated paragraphs in one section."""

from __future__ import annotations

from pathlib import Path

from ckg.text import split_paragraphs
from ckg.types import Document
from ingest.loaders.common import DocumentBuilder, SourceMeta, decode_text, make_meta


def load(path: Path, data: bytes, sidecar: SourceMeta) -> Document:
    paragraphs = split_paragraphs(decode_text(path, data))
    builder = DocumentBuilder()
    builder.add("Text", "Text", paragraphs)
    found = {"title": paragraphs[0][:200]} if paragraphs else {}
    return builder.build(make_meta(path, found, sidecar), path)
