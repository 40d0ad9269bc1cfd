"""Text normalisation and sentence boundaries, shared by ingestion and answering."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import pysbd

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def normalise_inline(text: str) -> str:
    """NFC, one space between words, no line breaks: the form a paragraph is stored in."""
    text = unicodedata.normalize("NFC", text).replace("\r", " ").replace("\n", " ")
    return _SPACE.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, each normalised inline; empty blocks dropped."""
    blocks = (normalise_inline(b) for b in _BLANK_LINES.split(text))
    return [b for b in blocks if b]


_PER_THREAD = threading.local()

# pysbd builds a regular expression for each abbreviation it meets, in each spelling, and leaves
# compiling them to the re module's cache, which holds 512: ingesting a dozen guidelines meets
# ~3,500, so past the first few every sentence split recompiled dozens of patterns (a fifth of
# ingestion's time outside the embedder). Compiled patterns are small; keep them all.
re._MAXCACHE = max(re._MAXCACHE, 16_384)  # type: ignore[attr-defined]


def _segmenter() -> pysbd.Segmenter:
    """One segmenter per thread: a pysbd Segmenter keeps the text it is splitting on itself, so
    two API requests sharing one got each other's sentences."""
    segmenter = getattr(_PER_THREAD, "segmenter", None)
    if segmenter is None:
        # clean=False keeps the text byte-identical so that offsets stay valid.
        segmenter = _PER_THREAD.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph, whitespace trimmed.

    pysbd knows clinical-style abbreviations ("e.g.", "b.i.d.", "Fig. 2") that a plain
    punctuation splitter breaks on. Offsets are found by searching forward from a cursor
    rather than trusting pysbd's own spans, which drift on repeated sentences.
    """
    return list(_sentence_spans(text))


# Ingestion splits a paragraph when it chunks a guideline and again when it picks the chunk's
# evidence sentences; answering splits the same recommendations question after question.
@functools.lru_cache(maxsize=8192)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter().segment(text):
        stripped = piece.strip()
        if not stripped:
            continue
        start = text.find(stripped, cursor)
        if start < 0:  # pysbd altered the text; fall back to the remainder as one sentence
            rest = text[cursor:].strip()
            if rest:
                start = text.index(rest, cursor)
                spans.append((start, start + len(rest)))
            break
        end = start + len(stripped)
        spans.append((start, end))
        cursor = end
    return tuple(spans)


def forget_splits() -> None:
    """Empty the memos of sentence splits (benchmarks time answering as a fresh process would)."""
    _sentence_spans.cache_clear()
    quotable_sentences.cache_clear()


MIN_SENTENCE_WORDS = 5  # shorter ones are headings, labels and fragments, never an answer
_WORD = re.compile(r"[A-Za-z0-9]+")


@functools.lru_cache(maxsize=20_000)
def quotable_sentences(passage: str, title: str = "") -> tuple[tuple[int, str], ...]:
    """The sentences of a passage an answer may quote, with their offsets in it: each line's
    sentences of at least five words, the document's title restated excepted. Ingestion embeds
    exactly these, and the relevance gate scores exactly these. Remembered for the passages most
    recently split (a guideline's recommendations come back question after question, and
    splitting was most of what answering a question cost once sentence vectors were stored)."""
    title = title.lower().rstrip(".")
    found = []
    offset = 0
    for line in passage.split("\n"):
        for a, b in sentence_spans(line):
            sentence = line[a:b]
            if len(_WORD.findall(sentence)) >= MIN_SENTENCE_WORDS and sentence.lower().rstrip(".") != title:
                found.append((offset + a, sentence))
        offset += len(line) + 1
    return tuple(found)


def is_quotable_section(section: str, non_evidence: tuple[str, ...]) -> bool:
    """Sections that describe a document (references, authorship) are never quoted."""
    lowered = section.lower()
    return not any(pattern in lowered for pattern in non_evidence)
