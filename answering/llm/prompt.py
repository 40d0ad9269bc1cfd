"""The answer prompt (numbered evidence) and the parser that holds the model to its citations.

The model must end every sentence with the number of the evidence it comes from, "[2]". A
number outside the evidence given is not passed through: the parser reports it, the generator
re-asks, and a sentence still citing it is kept only as a flagged problem for the verifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.prompts import ChatPromptTemplate

from ckg.text import sentence_spans
from ckg.types import Hit

NO_ANSWER = "INSUFFICIENT EVIDENCE"

SYSTEM = (
    "You are a clinical decision-support assistant. Answer the question using only the numbered "
    "evidence passages. Write at most {max_sentences} short sentences. End every sentence with the "
    "number of the passage it comes from in square brackets, for example [1]. Do not add doses, "
    "numbers, drugs or recommendations that the passages do not state. If the passages do not "
    f"answer the question, reply exactly: {NO_ANSWER}"
)
HUMAN = "Evidence:\n{evidence}\n\nQuestion: {question}\nAnswer:"
REPAIR = (
    "Your answer cited {invalid}, but only passages 1 to {count} exist. Answer again, citing only "
    "passages 1 to {count}."
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", HUMAN)])
REPAIR_PROMPT = ChatPromptTemplate.from_messages(
    [("system", SYSTEM), ("human", HUMAN), ("ai", "{previous}"), ("human", REPAIR)]
)

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")


def number_evidence(hits: list[Hit]) -> str:
    """"[n] (title; section) text" per passage, in the order given."""
    lines = []
    for n, hit in enumerate(hits, start=1):
        prov = hit.provenance
        assert prov is not None
        lines.append(f"[{n}] ({prov.title}; {prov.section}) {' '.join(prov.text.split())}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ParsedSentence:
    text: str  # without its citation markers
    cites: tuple[int, ...]  # valid passage numbers, 1-based
    invalid: tuple[int, ...]  # numbers cited that were not given


def parse_answer(text: str, passages: int) -> list[ParsedSentence] | None:
    """Cited sentences of the model's answer; None when it says the evidence does not answer."""
    if NO_ANSWER.lower() in text.lower():
        return None
    parsed: list[ParsedSentence] = []
    for line in text.split("\n"):
        for a, b in sentence_spans(line):
            sentence = line[a:b].strip()
            numbers = [int(n) for m in _MARKER.finditer(sentence) for n in m.group(1).split(",")]
            clean = _MARKER.sub("", sentence).strip()
            if len(clean.split()) < 2:
                # A marker split off by the sentence splitter belongs to the sentence before it.
                if parsed and numbers:
                    last = parsed.pop()
                    parsed.append(_sentence(last.text, [*last.cites, *last.invalid, *numbers], passages))
                continue
            parsed.append(_sentence(clean, numbers, passages))
    return parsed


def _sentence(text: str, numbers: list[int], passages: int) -> ParsedSentence:
    unique = list(dict.fromkeys(numbers))
    return ParsedSentence(
        text, tuple(n for n in unique if 1 <= n <= passages), tuple(n for n in unique if not 1 <= n <= passages)
    )
