"""PubMedQA corpus (JSONL): one document per abstract, one section per labelled paragraph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ckg.errors import InputError
from ckg.text import normalise_inline
from ckg.types import Document, DocumentMeta
from ingest.loaders.common import DocumentBuilder


def iter_documents(path: Path) -> Iterator[Document]:
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line.strip():
                yield _document(path, line_no, line)


def _document(path: Path, line_no: int, line: str) -> Document:
    where = f"{path}:{line_no}"
    try:
        row = json.loads(line)
        pmid = str(row["pmid"])
        contexts = row["contexts"]
        labels = row.get("labels") or []
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"is not a PubMedQA corpus record ({exc})", source=where) from exc
    if not isinstance(contexts, list) or not contexts:
        raise InputError("has no 'contexts' paragraphs", source=where)
    builder = DocumentBuilder()
    for i, paragraph in enumerate(contexts):
        label = str(labels[i]).title() if i < len(labels) and labels[i] else f"Paragraph {i + 1}"
        builder.add(label, label, [normalise_inline(str(paragraph))])
    year = row.get("year")
    meta = DocumentMeta(
        guideline_id=f"pmid-{pmid}", title=f"PubMed {pmid}", released=str(year) if year else None,
        kind="abstract", source=path.name, mesh=tuple(str(h) for h in row.get("mesh") or ()),
    )
    return builder.build(meta, Path(where))
