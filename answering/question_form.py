"""What a question asks for, read from its form rather than its topic.

- a **quantity**: "at what platelet count", "from what age", "how often", "what blood pressure
  target" — the answer that leads must state one (a recommendation without its number does not
  answer "at what count?");
- a **focus**: the thing named after "which" or "what" ("which Korotkoff sound", "what imaging
  test") — the answer must name it, so its terms weigh more than the rest of the question;
- what it **excludes**: "managed without an operation", "non-pregnant", "other than quinine" — a
  sentence recommending the excluded thing answers the opposite question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from answering.quantities import stated
from answering.terms import stem, terms

_QUANTITY_NOUN = (
    r"age|ages|dose|doses|dosage|threshold|thresholds|level|levels|count|target|targets|interval|frequency"
    r"|duration|concentration|value|values|range|cut-?off|number|percentage|limit|rate|pressure|time|timing"
    r"|weight|size|volume|temperature|score|length|period|goal|amount|gestation"
)
_ASKS_QUANTITY = re.compile(
    r"\bhow (often|long|many|much|old|frequently|soon|quickly|fast|early|late|far|high|low)\b"
    rf"|\b(what|which)\s+([\w/-]+\s+){{0,3}}?({_QUANTITY_NOUN})\b"
    r"|\b(at|from|after|before|until|up to|by|over|under|above|below) what\b",
    re.IGNORECASE,
)
# A number that is a quantity, not a label: not part of a code ("KQ1A", "II-2B", "1B") and not the
# number of a recommendation, table or level ("Recommendation 4:", "Level 2").
_BARE_NUMBER = re.compile(r"(?<![\w.\-/])\d+(?:[.,]\d+)?(?![A-Za-z])")
_LABEL_BEFORE = re.compile(
    r"\b(recommendations?|statements?|tables?|figures?|levels?|grades?|sections?|steps?|box|appendix|questions?"
    r"|chapters?|category|class|kq|no\.?|number)\s*$",
    re.IGNORECASE,
)
_FOCUS = re.compile(r"\b(?:which|what)\s+(?:kind of\s+|type of\s+|sort of\s+)?((?:[\w/-]+\s+){0,2}[\w/-]+)",
                    re.IGNORECASE)
_FOCUS_END = re.compile(
    r"\b(is|are|was|were|be|should|shall|must|may|might|can|could|will|would|do|does|did|has|have|goes|go|to|for"
    r"|in|of|with|on|at|after|before|when|if|the|a|an)\b.*$",
    re.IGNORECASE,
)
_NON = r"\bnon-?([a-z]{4,})"  # "nonoperative", "non-pregnant"
_NON_PREFIXED = re.compile(_NON, re.IGNORECASE)
_EXCLUDED = re.compile(r"\b(?:without|other than|instead of|apart from|besides|except|alternatives? to|rather than)"
                       r" (?:an? |the |any )?([a-z]+)|" + _NON, re.IGNORECASE)
# In an evidence sentence, also the other ways of saying a thing is absent ("fails to improve").
_ABSENT = re.compile(r"\b(?:without|no|not|fails? to|failed to|failure to)\s+(?:an? |the |any )?([a-z]+)|" + _NON,
                     re.IGNORECASE)


@dataclass(frozen=True)
class QuestionForm:
    asks_quantity: bool
    focus: frozenset[str]  # content terms (stemmed) of what "which/what" names
    excluded: frozenset[str]  # stems the question excludes ("without an operation" -> "oper")

    @classmethod
    def of(cls, question: str) -> QuestionForm:
        focus: set[str] = set()
        for match in _FOCUS.finditer(question):
            focus |= terms(_FOCUS_END.sub("", match.group(1)))
        excluded = {stem(a or b) for a, b in _EXCLUDED.findall(question)}
        return cls(bool(_ASKS_QUANTITY.search(question)), frozenset(focus), frozenset(excluded))

    def includes_excluded(self, sentence: str) -> list[str]:
        """The excluded things the sentence speaks of as included (not itself "without" or "non-")."""
        if not self.excluded:
            return []
        negated = {stem(a or b) for a, b in _ABSENT.findall(sentence)}
        positive = terms(_ABSENT.sub(" ", sentence))
        return sorted(self.excluded & positive - negated)

    def excludes_too(self, sentence: str) -> bool:
        return bool(self.excluded & {stem(a or b) for a, b in _ABSENT.findall(sentence)})


def mentioned(sentence: str) -> set[str]:
    """A sentence's content terms, with what it names as absent by a prefix ("nonoperative" names "operative")."""
    return terms(sentence) | {stem(word) for word in _NON_PREFIXED.findall(sentence)}


def states_quantity(sentence: str) -> bool:
    """A dose, threshold, age, interval or count: a number with a unit, or a bare number that is not a label."""
    if any(q.unit for q in stated(sentence)):
        return True
    return any(not _LABEL_BEFORE.search(sentence[: m.start()]) for m in _BARE_NUMBER.finditer(sentence))
