"""The evidence sentences ingestion splits and embeds: exactly those the relevance gate will score.

The gate scores each quotable sentence of a retrieved chunk as read with the abbreviations its
guideline defines spelled out. Both readings are stored — as written, and with every
abbreviation the whole guideline defines — and so are those definitions, which the gate reads
for a guideline whatever part of it was retrieved: a question finds every sentence's vector.
"""

from __future__ import annotations

from ckg.nlp.abbreviations import definitions, expand
from ckg.text import is_quotable_section, quotable_sentences
from ckg.types import Chunk, Document


def guideline_definitions(chunks: list[Chunk]) -> dict[str, str]:
    """The abbreviations a guideline defines anywhere in its text."""
    return definitions(c.text for c in chunks)


def evidence_sentences(doc: Document, chunks: list[Chunk], non_evidence: tuple[str, ...],
                       defined: dict[str, str]) -> list[tuple[list[tuple[int, int]], list[str]]]:
    """Per chunk, its quotable sentences (spans in its text) and the texts the gate may score for
    them (none for a section that is never quoted): as written and with ``defined`` spelled out."""
    paths = {s.ord: s.path for s in doc.sections}
    found = []
    for chunk in chunks:
        spans: list[tuple[int, int]] = []
        texts: list[str] = []
        if is_quotable_section(paths.get(chunk.section_ord, ""), non_evidence):
            for start, sentence in quotable_sentences(chunk.text, doc.meta.title):
                spans.append((start, start + len(sentence)))
                texts += [sentence, expand(sentence, defined)]
        found.append((spans, list(dict.fromkeys(texts))))
    return found
