"""Loaders turn one source file into a :class:`ckg.types.Document`.

Each format lives in its own module; ``load_document`` picks one by file suffix.
"""

from __future__ import annotations

from pathlib import Path

from ckg.errors import InputError
from ckg.types import Document
from ingest.loaders import html, markdown, pdf, plaintext
from ingest.loaders.common import SourceMeta

LOADERS = {
    ".html": html.load,
    ".htm": html.load,
    ".md": markdown.load,
    ".markdown": markdown.load,
    ".txt": plaintext.load,
    ".pdf": pdf.load,
}

SUPPORTED_SUFFIXES = tuple(LOADERS)


def load_document(path: Path, data: bytes, sidecar: SourceMeta | None = None) -> Document:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise InputError(
            f"unsupported file type {path.suffix!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}",
            source=str(path),
        )
    return loader(path, data, sidecar or {})
