"""Split a document into overlapping chunks that fit the embedder's window exactly.

Chunks are measured in the embedder's own tokens, never in words: a 200-word chunk of a
guideline often runs past 256 word pieces, and the model would silently drop the tail.
Chunks follow sentence boundaries inside one section; a sentence too long for the window
is cut at token boundaries. Each chunk keeps its exact character span in the document text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ckg import ids
from ckg.hashing import sha256_text
from ckg.text import sentence_spans
from ckg.types import Chunk, Document, Section
from retrieval.embeddings import Embedder


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


def chunk_document(
    doc: Document, version_id: str, embedder: Embedder, *, overlap: int, header_max_tokens: int
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        header = _header(doc.meta.title, section, embedder, header_max_tokens)
        budget = embedder.max_tokens - _count(embedder, header) - 1
        for start, end in _pack(_units(doc.text, section, embedder, budget), budget, overlap):
            text = doc.text[start:end]
            chunks.append(
                Chunk(
                    chunk_id=ids.chunk_id(version_id, len(chunks)),
                    section_ord=section.ord,
                    ord=len(chunks),
                    char_start=start,
                    char_end=end,
                    text=text,
                    content_sha256=sha256_text(text),
                    header=header,
                )
            )
    return chunks


def _count(embedder: Embedder, text: str) -> int:
    return len(embedder.token_spans([text])[0])


def _header(title: str, section: Section, embedder: Embedder, max_tokens: int) -> str:
    """Title and section path, cut to a token budget: context the chunk text alone lacks."""
    header = f"{title} | {section.path}"
    spans = embedder.token_spans([header])[0]
    if len(spans) > max_tokens:
        header = header[: spans[max_tokens - 1][1]]
    return header


def _units(text: str, section: Section, embedder: Embedder, budget: int) -> list[_Unit]:
    """Sentences of the section with their token counts; over-long ones cut into windows."""
    spans: list[tuple[int, int]] = []
    offset = section.char_start
    for paragraph in text[section.char_start : section.char_end].split("\n"):
        spans.extend((offset + a, offset + b) for a, b in sentence_spans(paragraph))
        offset += len(paragraph) + 1
    token_spans = embedder.token_spans([text[a:b] for a, b in spans])
    units: list[_Unit] = []
    for (start, end), tokens in zip(spans, token_spans, strict=True):
        if len(tokens) <= budget:
            units.append(_Unit(start, end, len(tokens)))
            continue
        for i in range(0, len(tokens), budget):
            window = tokens[i : i + budget]
            units.append(_Unit(start + window[0][0], start + window[-1][1], len(window)))
    return units


def _pack(units: list[_Unit], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy packing of units up to the budget; the next chunk repeats up to `overlap` tokens."""
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(units):
        last, used = first, units[first].tokens
        while last + 1 < len(units) and used + units[last + 1].tokens <= budget:
            last += 1
            used += units[last].tokens
        spans.append((units[first].start, units[last].end))
        if last + 1 >= len(units):
            break
        next_first, carried = last + 1, 0
        while next_first - 1 > first and carried + units[next_first - 1].tokens <= overlap:
            next_first -= 1
            carried += units[next_first].tokens
        first = next_first
    return spans
