"""Find the recommendation statements of a guideline and grade each one.

Statements are sentences in recommendation sections that recommend, advise against or weigh
the evidence, or that carry a grade note. The grade comes from the note closing the sentence
("(Level of Evidence: C)"), from a note standing alone right after it, or from a heading line
that grades what follows ("Class IIa"). The definitions NGC appends to a recommendations field
("Definitions:") are read as the guideline's declared scheme, never as statements.
"""

from __future__ import annotations

import re

from ckg import ids
from ckg.text import sentence_spans
from ckg.types import Chunk, Document, Recommendation, Section
from ingest.grades import declared_scheme, is_label_line, normalise, trailing_grade_note

_RECOMMENDING = re.compile(
    r"\b(recommends?|recommended|should|suggests?|advises?|offer|consider|is indicated|are indicated|"
    r"is reasonable|may be considered|is not indicated|concludes)\b|^\s*do not\b",
    re.IGNORECASE,
)
# Sentences about the wording itself ("words such as 'offer' and 'consider'") are not statements.
_ABOUT_WORDING = re.compile(r"['‘\"](offer|consider|must)['’\"]", re.IGNORECASE)
_EXCLUDED_SECTIONS = re.compile(r"rating scheme|method|description|evidence supporting|benefit|harm|qualifying|"
                                r"implementation|algorithm", re.IGNORECASE)
# SIGN-style statements open with their grade: "B - Survivors of childhood cancer ... should ...".
_LEADING_GRADE = re.compile(r"^(?P<label>[A-D]|GPP|EBR|✓)\s+[-–]\s+")
_NOTE_ONLY = re.compile(r"[\(\[][^\(\)\[\]]+[\)\]]\.?")
_NICE_DEVELOPERS = re.compile(r"National Institute for Health and (Care|Clinical) Excellence|National Guideline Centre|"
                              r"National Collaborating Centre", re.IGNORECASE)
MIN_WORDS = 5


def extract_recommendations(doc: Document, version_id: str, chunks: list[Chunk]) -> list[Recommendation]:
    declared = declared_scheme("\n".join(_body(doc, s) for s in doc.sections if "rating scheme" in s.path.lower()))
    nice = bool(_NICE_DEVELOPERS.search(doc.meta.developer or "")) or "'offer' and 'consider'" in doc.text
    found: list[Recommendation] = []
    for section in doc.sections:
        if "recommendation" not in section.path.lower() or _EXCLUDED_SECTIONS.search(section.path):
            continue
        body = _body(doc, section)
        statements, definitions = _split_definitions(body)
        declared_here = {**declared, **declared_scheme(definitions)}
        for start, end, text, label in _statements(statements, section.char_start):
            grade = normalise(text, label, developer=doc.meta.developer, declared=declared_here,
                              offer_consider_wording=nice)
            covering = tuple(c.chunk_id for c in chunks if c.char_start <= start and end <= c.char_end)
            overlapping = tuple(c.chunk_id for c in chunks if c.char_start < end and start < c.char_end)
            rec_id = ids.recommendation_id(version_id, len(found))
            found.append(Recommendation(rec_id, text, start, end, section.path, grade, covering or overlapping))
    return found


def _body(doc: Document, section: Section) -> str:
    return doc.text[section.char_start : section.char_end]


def _split_definitions(body: str) -> tuple[str, str]:
    """NGC appends the grade definitions after a line "Definitions:"; statements come before it."""
    match = re.search(r"^Definitions?:?\s*$", body, re.MULTILINE | re.IGNORECASE)
    return (body[: match.start()], body[match.start() :]) if match else (body, "")


def _statements(body: str, offset: int) -> list[tuple[int, int, str, str | None]]:
    """(start, end, text, grade label or None) of each statement, offsets into the document."""
    out: list[tuple[int, int, str, str | None]] = []
    heading_label: str | None = None
    line_start = offset
    for line in body.split("\n"):
        if is_label_line(line):
            heading_label = line.strip().rstrip(":")
        spans = sentence_spans(line)
        # A note closing the paragraph grades every statement in it that has none of its own.
        paragraph_note = trailing_grade_note(line[spans[-1][0] : spans[-1][1]]) if spans else None
        for i, (a, b) in enumerate(spans):
            text = line[a:b]
            if (_NOTE_ONLY.fullmatch(text) or len(text.split()) < MIN_WORDS or _ABOUT_WORDING.search(text)
                    or text.endswith(("?", ":"))):  # key questions guidelines are organised by; list lead-ins
                continue
            note, end = trailing_grade_note(text), b
            if note is None and i + 1 < len(spans):
                following = line[spans[i + 1][0] : spans[i + 1][1]]
                if _NOTE_ONLY.fullmatch(following) and trailing_grade_note(following):
                    note, end = trailing_grade_note(following), spans[i + 1][1]
            leading = _LEADING_GRADE.match(text)
            if note is None and leading:
                note = f"Grade {leading.group('label')}"
            if note or _RECOMMENDING.search(text):
                out.append((line_start + a, line_start + end, line[a:end],
                            _combine(heading_label, note or paragraph_note)))
        line_start += len(line) + 1
    return out


def _combine(heading: str | None, note: str | None) -> str | None:
    """"Class I" above and "(Level of Evidence: C)" after make one ACC/AHA label."""
    if heading and note:
        return f"{heading}; {note}"
    return note or heading
