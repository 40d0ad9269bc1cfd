"""Does a value the question states fall within a threshold or range a sentence states?

A clinician asks about *their* patient: "does a 4 mm lung nodule need follow-up?", "rituximab when
the CD4 count is 30?". The guideline answers per range: "<5 mm: do not offer follow-up", "≥5 mm
to <8 mm: offer CT surveillance", "CD4 <50/mm3: not recommended". The recommendation whose range
holds the patient's value answers the question; the one next to it, worded almost the same,
answers another patient's.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from answering.quantities import UNIT_PATTERN, UNITS, WORD_NUMBERS
from answering.terms import terms

_NUM = r"(\d+(?:[.,]\d+)?)"
_UNIT_AFTER = rf"[\s-]*(?:[x×]\s*10\^?\d+\s*)?(?P<unit>(?:{UNIT_PATTERN})(?![a-z0-9]))?"
# Comparator words before a number; after it: "or more", "and over", "or less".
_BEFORE = {
    "<": operator.lt, "≤": operator.le, "<=": operator.le, ">": operator.gt, "≥": operator.ge, ">=": operator.ge,
    "less than": operator.lt, "fewer than": operator.lt, "under": operator.lt, "below": operator.lt,
    "lower than": operator.lt, "smaller than": operator.lt, "up to": operator.le, "at most": operator.le,
    "no more than": operator.le, "not exceeding": operator.le, "more than": operator.gt, "greater than": operator.gt,
    "over": operator.gt, "above": operator.gt, "higher than": operator.gt, "larger than": operator.gt,
    "older than": operator.gt, "younger than": operator.lt, "at least": operator.ge, "greater than or equal to":
    operator.ge, "less than or equal to": operator.le, "over the age of": operator.gt, "under the age of": operator.lt,
}
_AFTER = {"or more": operator.ge, "or greater": operator.ge, "or higher": operator.ge, "or older": operator.ge,
          "and over": operator.ge, "and older": operator.ge, "and above": operator.ge, "or over": operator.ge,
          "or less": operator.le, "or fewer": operator.le, "or lower": operator.le, "or younger": operator.le,
          "or under": operator.le, "and under": operator.le, "or below": operator.le}
_BEFORE_ALT = "|".join(sorted((re.escape(w) for w in _BEFORE), key=len, reverse=True))
_AFTER_ALT = "|".join(sorted((re.escape(w) for w in _AFTER), key=len, reverse=True))
_COMPARED = re.compile(rf"(?P<cmp>{_BEFORE_ALT})\s*(?:the age of\s*)?{_NUM}{_UNIT_AFTER}", re.IGNORECASE)
_COMPARED_AFTER = re.compile(rf"{_NUM}{_UNIT_AFTER}\s*(?P<cmp>{_AFTER_ALT})\b", re.IGNORECASE)
_RANGE = re.compile(rf"(?<![\d.<>≤≥]){_NUM}\s*(?:-|–|to)\s*{_NUM}{_UNIT_AFTER}", re.IGNORECASE)
_ORDINAL = re.compile(r"(st|nd|rd|th)\b", re.IGNORECASE)
CONTEXT_WORDS = 3
# What kind of number it is, not what it measures: "CD4 count" and "platelet count" share only these.
_MEASURE_WORDS = frozenset(terms("count level value score dose size number rate concentration"))
_PLAIN = re.compile(rf"(?<![\w.<>≤≥/-]){_NUM}{_UNIT_AFTER}|\b(?P<word>{'|'.join(WORD_NUMBERS)})\b(?P<wunit>\s+\w+)?",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    """``value <op> bound`` in ``unit`` ("" when none was written), and the words around it."""

    test: Callable[[float, float], bool]
    bound: float
    unit: str
    context: frozenset[str]

    def holds(self, value: float) -> bool:
        return bool(self.test(value, self.bound))

    def speaks_of(self, value: Value) -> bool:
        """Whether the condition is about the same measure as the value: the same unit, or, where
        a number is written without one, a word around both ("CD4 count of 30", "CD4 <50")."""
        if self.unit and value.unit:
            return self.unit == value.unit
        return bool(self.unit or value.unit) or bool(self.context & value.context)


@dataclass(frozen=True)
class Value:
    """A value the question states, in ``unit``, with the words around it."""

    number: float
    unit: str
    context: frozenset[str]


def conditions(sentence: str) -> list[Condition]:
    """The thresholds and ranges a sentence states ("<5 mm", "aged 60 and over", "10-15 mg/L")."""
    found = []
    for match in _COMPARED.finditer(sentence):
        bound, unit = _value(match.group(2), match.group("unit"))
        found.append(Condition(_BEFORE[match.group("cmp").lower()], bound, unit, _around(sentence, match)))
    for match in _COMPARED_AFTER.finditer(sentence):
        bound, unit = _value(match.group(1), match.group("unit"))
        found.append(Condition(_AFTER[match.group("cmp").lower()], bound, unit, _around(sentence, match)))
    for match in _RANGE.finditer(sentence):
        low, unit = _value(match.group(1), match.group("unit"))
        high, _ = _value(match.group(2), match.group("unit"))
        context = _around(sentence, match)
        found += [Condition(operator.ge, low, unit, context), Condition(operator.le, high, unit, context)]
    return found


def values(question: str) -> list[Value]:
    """The values a question states about its patient ("a 4 mm nodule", "a CD4 count of 30"); not
    ordinals ("the 20th exposure day") nor counts in words ("one to three nodes")."""
    if _COMPARED.search(question) or _COMPARED_AFTER.search(question):
        return []  # it asks about a threshold itself, not a patient's value
    found = []
    for match in _PLAIN.finditer(question):
        if match.group("word") or _ORDINAL.match(question, match.end(1)):
            continue
        number, unit = _value(match.group(1), match.group("unit"))
        found.append(Value(number, unit, _around(question, match)))
    return found


def fit(asked: Sequence[Value], sentence: str) -> float:
    """+1 when every value the question states (``values``) lies within the sentence's thresholds
    for it, -1 when one lies outside them, 0 when the sentence states none for those values."""
    if not asked:
        return 0.0
    stated = conditions(sentence)
    verdict = 0.0
    for value in asked:
        relevant = [c for c in stated if c.speaks_of(value)]
        if not relevant:
            continue
        if not all(c.holds(value.number) for c in relevant):
            return -1.0
        verdict = 1.0
    return verdict


def _value(raw: str, unit: str | None) -> tuple[float, str]:
    canonical, factor = UNITS.get((unit or "").lower(), ("", 1.0))
    return float(raw.replace(",", "")) * factor, canonical


def _around(text: str, match: re.Match[str]) -> frozenset[str]:
    """The content terms of the few words either side of a match."""
    before = text[: match.start()].split()[-CONTEXT_WORDS:]
    after = text[match.end() :].split()[:CONTEXT_WORDS]
    return frozenset(terms(" ".join(before + after))) - _MEASURE_WORDS
