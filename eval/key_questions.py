"""Question-and-answer pairs that guidelines write themselves: training data for a reader.

Many guidelines state their key questions inside their recommendations ("Question 2: Is quinine
effective in the treatment of muscle cramps?", "KQ1: In patients with BTAI, should ...?") and
answer each with the statements that follow it. Each question is paired with those statements
(answers) and with the statements that answer the guideline's other questions (near misses: same
topic, same wording, wrong answer) and a few sentences from its other sections (methods, harms,
commentary). A reader trained on them learns which of a guideline's sentences answers a question,
from text nobody wrote for this project.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from ckg.text import sentence_spans
from ckg.types import Document
from ingest.discovery import discover, read_sidecar
from ingest.loaders import load_document

# "Question 1:", "Key Question 2.", "KQ1A:", "Clinical question:" before the question itself
_QUESTION = re.compile(r"^(?:(?:key |clinical )?question\s*[\w.]*\s*[:.]\s*|kq\s*\w+\s*[:.]\s*)?(.{20,}\?)$",
                       re.IGNORECASE)
# "Recommendations", "Major Recommendations" (not "Evidence Supporting the Recommendations")
_RECOMMENDATIONS = re.compile(r"(?:major |key )?recommendations?\b", re.IGNORECASE)
_BLOCK_ENDS = re.compile(r"^(definitions|clinical algorithm|references|abbreviations)\b", re.IGNORECASE)
MIN_WORDS = 5  # shorter lines are labels ("Recommendation", "Conclusion") or headings
ANSWERS_PER_QUESTION = 3
NEAR_MISSES_PER_QUESTION = 6
OTHERS_PER_QUESTION = 4


@dataclass(frozen=True)
class KeyQuestion:
    guideline_id: str
    question: str
    answers: tuple[str, ...]  # the statements that follow it, in order
    near_misses: tuple[str, ...]  # statements answering the guideline's other questions
    others: tuple[str, ...]  # sentences of the guideline's other sections


def key_questions(folders: list[Path], exclude: frozenset[str] = frozenset()) -> list[KeyQuestion]:
    """Every key question of the guidelines in ``folders`` with its answers, but those of the
    guidelines in ``exclude`` (the ones an evaluation asks about)."""
    found = []
    paths = discover(folders)
    sidecars = {folder: read_sidecar(folder) for folder in {path.parent for path in paths}}
    for path in paths:
        if path.stem not in exclude:
            doc = load_document(path, path.read_bytes(), sidecars[path.parent].get(path.name))
            found.extend(of_document(path.stem, doc))
    return found


def of_document(guideline_id: str, doc: Document) -> list[KeyQuestion]:
    blocks, elsewhere = _question_blocks(doc)
    pick = random.Random(guideline_id)  # the same pairs on every machine
    return [KeyQuestion(
        guideline_id, question, tuple(answers[:ANSWERS_PER_QUESTION]),
        tuple(_sample(pick, [s for j, (_, a) in enumerate(blocks) if j != i for s in a], NEAR_MISSES_PER_QUESTION)),
        tuple(_sample(pick, elsewhere, OTHERS_PER_QUESTION)),
    ) for i, (question, answers) in enumerate(blocks)]


def _question_blocks(doc: Document) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Each key question of the recommendation sections with the statements up to the next one,
    and the sentences of every other section."""
    blocks: list[tuple[str, list[str]]] = []
    elsewhere: list[str] = []
    for section in doc.sections:
        lines = [line.strip() for line in doc.text[section.char_start : section.char_end].split("\n")]
        if not any(_RECOMMENDATIONS.match(part) for part in section.path.split(" > ")):
            elsewhere.extend(s for line in lines for s in _sentences(line))
            continue
        current: list[str] | None = None
        for line in lines:
            asked = _QUESTION.match(line)
            if asked and len(line.split()) > MIN_WORDS:
                current = []
                blocks.append((asked.group(1), current))
            elif _BLOCK_ENDS.match(line):
                current = None
            elif current is not None and not line.endswith("?"):
                current.extend(_sentences(line))
    return [(q, answers) for q, answers in blocks if answers], elsewhere


def labelled_pairs(questions: list[KeyQuestion]) -> list[tuple[str, str, float]]:
    """(question, sentence, 1.0 if the sentence answers it else 0.0)."""
    return [(q.question, s, label) for q in questions
            for label, sentences in ((1.0, q.answers), (0.0, q.near_misses + q.others)) for s in sentences]


def _sentences(line: str) -> list[str]:
    return [line[a:b] for a, b in sentence_spans(line) if len(line[a:b].split()) >= MIN_WORDS]


def _sample(pick: random.Random, items: list[str], n: int) -> list[str]:
    return pick.sample(items, min(n, len(items)))
