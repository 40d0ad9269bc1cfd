"""A cited span shown inside its section: the section's text rebuilt from its chunks by offset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ckg.errors import InputError, NotFound
from graph.store import GraphStore

CONTEXT_CHARS = 600  # section text shown on each side of the cited span: enough to judge, short enough to read


@dataclass(frozen=True)
class Passage:
    guideline_id: str
    title: str
    developer: str | None
    version_id: str
    released: str | None
    current: bool
    section: str
    before: str  # section text before the cited span (trimmed to CONTEXT_CHARS)
    quote: str
    after: str
    char_start: int
    char_end: int


def passage(graph: GraphStore, chunk_id: str, start: int | None = None, end: int | None = None) -> Passage:
    """The span ``start``-``end`` (the whole chunk by default) of a chunk, within its section."""
    found = graph.passage(chunk_id)
    chunk = next((c for c in found["chunks"] if c["chunk_id"] == chunk_id), None) if found else None
    if found is None or chunk is None:
        raise NotFound(f"no chunk {chunk_id!r}")
    start = chunk["char_start"] if start is None else start
    end = chunk["char_end"] if end is None else end
    if not chunk["char_start"] <= start < end <= chunk["char_end"]:
        raise InputError(f"characters {start}-{end} are not inside chunk {chunk_id} "
                         f"({chunk['char_start']}-{chunk['char_end']})")
    text, offset = section_text(found["chunks"])
    before = text[max(0, start - offset - CONTEXT_CHARS): start - offset]
    after = text[end - offset: end - offset + CONTEXT_CHARS]
    return Passage(found["guideline_id"], found["title"], found["developer"], found["version_id"], found["released"],
                   bool(found["current"]), found["section"], before, text[start - offset: end - offset], after,
                   start, end)


def section_text(chunks: list[dict[str, Any]]) -> tuple[str, int]:
    """The section's text and where it starts: chunks may overlap or leave gaps (shown as a space)."""
    ordered = sorted(chunks, key=lambda c: c["char_start"])
    offset = ordered[0]["char_start"]
    text = ""
    for c in ordered:
        covered = offset + len(text)
        if c["char_end"] <= covered:
            continue
        if c["char_start"] > covered:
            text += " " * (c["char_start"] - covered)
        text += c["text"][max(0, covered - c["char_start"]):]
    return text, offset
