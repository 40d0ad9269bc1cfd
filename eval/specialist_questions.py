"""Specialist questions: each written as a clinician would type it, answered by one recommendation
of one guideline.

"negative" ones are answered by a do-not / not-recommended / insufficient-evidence statement,
"numeric" ones by a statement that hinges on a dose, threshold, age or interval, "positive" ones
by what to do. The question file keeps only the guideline id and the SHA-256 of the gold
recommendation's text (the guidelines' copyright stays with their developers); the gold's span is
found again in the guideline file when the questions are loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ckg.jsonl import read_jsonl
from ckg.text import normalise_inline, sentence_spans
from ckg.types import Chunk, Document
from ingest.discovery import read_sidecar
from ingest.loaders import load_document
from ingest.loaders.common import SourceMeta
from ingest.recommendations import extract_recommendations

KINDS = ("negative", "numeric", "positive")


@dataclass(frozen=True)
class SpecialistQuestion:
    qid: str
    kind: str
    question: str
    guideline_id: str
    gold_start: int  # the gold recommendation's span in the guideline's text
    gold_end: int
    gold_text: str = ""  # normalised: a guideline that states it twice is quoted by either statement


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise_inline(text).encode()).hexdigest()


def _spans(doc: Document) -> list[tuple[int, int]]:
    """Every sentence and every extracted recommendation of a document: where a gold can be."""
    spans = []
    for section in doc.sections:
        offset = section.char_start
        for line in doc.text[section.char_start : section.char_end].split("\n"):
            spans += [(offset + a, offset + b) for a, b in sentence_spans(line)]
            offset += len(line) + 1
    whole = Chunk("gold#c0000", 0, 0, 0, len(doc.text), doc.text, "", "")
    spans += [(r.char_start, r.char_end) for r in extract_recommendations(doc, "gold", [whole])]
    return spans


def _document(path: Path, sidecar: dict[str, SourceMeta] | None = None) -> Document:
    meta = (sidecar if sidecar is not None else read_sidecar(path.parent)).get(path.name)
    return load_document(path, path.read_bytes(), meta)


def gold_candidates(path: Path) -> list[str]:
    """The texts a gold may be chosen from (used when writing questions)."""
    doc = _document(path)
    return [doc.text[a:b] for a, b in _spans(doc)]


def load_questions(questions: Path, guidelines: Path, limit: int | None = None) -> list[SpecialistQuestion]:
    loaded = []
    sidecar = read_sidecar(guidelines)
    for line_no, row in list(read_jsonl(questions))[:limit]:
        doc = _document(guidelines / f"{row['guideline_id']}.html", sidecar)
        spans = [s for s in _spans(doc) if text_hash(doc.text[s[0] : s[1]]) == row["gold_sha256"]]
        if not spans:
            raise ValueError(f"{questions}:{line_no}: the gold of {row['qid']} is not in {row['guideline_id']}")
        start, end = spans[0]
        loaded.append(SpecialistQuestion(row["qid"], row["kind"], row["question"], row["guideline_id"], start, end,
                                         normalise_inline(doc.text[start:end])))
    return loaded


def quotes(q: SpecialistQuestion, guideline_id: str, start: int, end: int, text: str = "") -> bool:
    """A citation quotes the gold when it covers most of it, or lies mostly inside it — or, where
    the guideline states the same recommendation twice (summary and full text), when its words
    contain the gold's."""
    if guideline_id != q.guideline_id:
        return False
    overlap = min(end, q.gold_end) - max(start, q.gold_start)
    if overlap > 0.5 * min(end - start, q.gold_end - q.gold_start):
        return True
    return bool(text and q.gold_text) and q.gold_text.casefold() in normalise_inline(text).casefold()
