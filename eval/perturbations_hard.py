"""A second, harder perturbation generator, written differently from the first (``perturbations``).

The first changes the first number it sees, swaps whole drugs and conditions and turns "should"
into "should not". Errors a model really makes are subtler, so this one changes:

- numbers inside ranges, intervals and thresholds ("55 to 80" -> "50 to 80", "every 3 months" ->
  "every 6 months", "≥40 mm Hg" -> "≥30 mm Hg"), and counts in results;
- population words: swapped ("nonpregnant" -> "pregnant", "adults" -> "children") or duplicated
  so that one group disappears ("children and young people" -> "children and children");
- strength and evidence labels inside grade strings ("(strong recommendation, high-quality
  evidence)" -> "(conditional recommendation, low-quality evidence)", "1B" -> "1A", "Level 2" ->
  "Level 1", "(Weak, Imperative)" -> "(Strong, Imperative)", "recommendation against" ->
  "recommendation for");
- the wording raised one step ("should" -> "must", "may" -> "should", "recommends" -> "strongly
  recommends");
- how often or how long, in words ("daily" -> "weekly", "alternate days" -> "alternate weeks");

and it makes faithful *shortened* variants (a trailing qualifier, reason, grade string or example
list dropped, never the words that make the sentence a recommendation) that must stay supported:
a verifier that flags them punishes the answers that quote concisely.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ckg.nlp.pipeline import ClinicalNLP

_RANGE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s*(?:to|-|–|and)\s*)(\d+(?:\.\d+)?)(?![\w.]*\d)")
_INTERVAL = re.compile(r"\b(every|each|within|after|for|at least|at most|up to|over|under|than)\s+(\d+(?:\.\d+)?)\b",
                       re.IGNORECASE)
_THRESHOLD = re.compile(r"([≥≤<>]=?\s*)(\d+(?:\.\d+)?)")
_COUNT = re.compile(r"\b(\d+)\s+(patients|participants|trials|studies|women|men|children|infants|cases)\b")

_POPULATION_SWAPS = [
    (r"\bnonpregnant\b", "pregnant"), (r"\bnon-pregnant\b", "pregnant"), (r"\bpremenopausal\b", "postmenopausal"),
    (r"\bpostmenopausal\b", "premenopausal"), (r"\basymptomatic\b", "symptomatic"),
    (r"\bolder adults\b", "younger adults"),
    (r"\badults\b", "children"), (r"\bchildren\b", "adults"), (r"\bwomen\b", "men"), (r"\bmen\b", "women"),
    (r"\binfants\b", "adolescents"), (r"\bneonates\b", "adolescents"), (r"\bhigh[- ]risk\b", "low-risk"),
    (r"\blow[- ]risk\b", "high-risk"), (r"\bpregnant\b", "postpartum"),
]
_GROUPS = r"children|adults|infants|adolescents|women|men|boys|girls|young people|young adults"
_POPULATION_PAIRS = re.compile(rf"\b({_GROUPS})\s+(and|or)\s+({_GROUPS})\b")

_LABEL_CHANGES: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"\b[Ss]trong recommendation", "conditional recommendation"),
    (r"\b[Cc]onditional recommendation", "strong recommendation"),
    (r"\b[Ww]eak recommendation", "strong recommendation"),
    (r"\bhigh[- ]quality evidence", "low-quality evidence"), (r"\blow[- ]quality evidence", "high-quality evidence"),
    (r"\bmoderate[- ]quality evidence", "high-quality evidence"),
    (r"\b([12])([BC])\b", lambda m: f"{m.group(1)}A"), (r"\b([12])A\b", lambda m: f"{m.group(1)}B"),
    (r"\bLevel ([2-4])\b", lambda m: f"Level {int(m.group(1)) - 1}"), (r"\bLevel 1\b", "Level 2"),
    (r"\bLevel ([B-D])\b", lambda m: "Level A"), (r"\bGrade ([B-D])\b", lambda m: "Grade A"),
    (r"\bGrade A\b", "Grade B"), (r"\bClass IIb\b", "Class IIa"), (r"\bClass IIa\b", "Class I"),
    (r"\(([B-D])\)", lambda m: "(A)"), (r"\((?:[Ww]eak|[Cc]onditional|[Ff]air)\b", "(Strong"),
    (r"\brecommendation against\b", "recommendation for"),
]
_RAISED_WORDING = [
    (r"\bshould\b(?! not)", "must"), (r"\b([Mm]ay|[Cc]an|[Cc]ould)\b(?! not)", "should"), (r"\b[Cc]onsider\b", "offer"),
    (r"\bsuggests\b", "recommends"), (r"\brecommends\b", "strongly recommends"),
    (r"\bis reasonable\b", "is recommended"),
]
_TIME_CHANGES = [
    (r"\bdaily\b", "weekly"), (r"\bweekly\b", "monthly"), (r"\bmonthly\b", "yearly"), (r"\bannually\b", "monthly"),
    (r"\bonce\b", "twice"), (r"\btwice\b", "once"), (r"\bdays\b", "weeks"), (r"\bweeks\b", "months"),
    (r"\bmonths\b", "years"), (r"\bhours\b", "days"),
]
# Faithful shortenings, tried in turn: a trailing reason (a subordinate clause, verbs and all), a
# trailing qualifier, example list or grade string, or an example list or cross-reference inside
# the sentence. What is left out must not carry the recommendation: never its recommending words,
# and outside a reason clause no verb either ("..., if available, an enteral formula ... be used").
_RECOMMENDING = re.compile(r"\b(should|must|shall|recommends?|recommended|suggests?|suggested|consider|offer"
                           r"|do not)\b", re.IGNORECASE)
_VERB = re.compile(r"\b(is|are|was|were|be|been|can|could|may|might|will|would|has|have|had|do|does|did)\b",
                   re.IGNORECASE)
_SHORTENINGS = [(re.compile(p, re.IGNORECASE), reason) for p, reason in (
    (r",\s+(?:because|since|given that|as they|as this|as it)\b[^;]*?(?=[.;]?\s*$)", True),
    (r",\s+(?:for example|e\.g\.|such as|including|particularly|especially|where possible|if available"
     r"|if possible|as appropriate|when appropriate|where appropriate|based on)[^;]*?(?=[.;]?\s*$)", False),
    (r"\s+\((?:e\.g\.|for example|such as|see|strong|weak|conditional|grade|level|moderate|high|low)[^()]*\)"
     r"(?=[.;]?\s*$)", False),
    (r"\s+\[[^\[\]]*\](?=[.;]?\s*$)", False),
    (r"\s+\((?:e\.g\.|for example|such as|see|i\.e\.)[^()]*\)", False),
)]
MIN_WORDS = 4  # what is left must still be a sentence


def change_number_in_range(sentence: str, nlp: ClinicalNLP) -> str | None:
    """A bound of a range, an interval or a threshold, moved by a plausible clinical step."""
    for pattern, group in ((_RANGE, 1), (_INTERVAL, 2), (_THRESHOLD, 2), (_COUNT, 1)):
        match = pattern.search(sentence)
        if match:
            value = match.group(group)
            return sentence[: match.start(group)] + _moved(value, pattern is _INTERVAL) + sentence[match.end(group):]
    return None


def change_population(sentence: str, nlp: ClinicalNLP) -> str | None:
    """One population swapped for another, or a pair collapsed into one ("children and children")."""
    pair = _POPULATION_PAIRS.search(sentence)
    if pair and pair.group(1).lower() != pair.group(3).lower():
        return sentence[: pair.start(3)] + pair.group(1) + sentence[pair.end(3):]
    for pattern, other in _POPULATION_SWAPS:
        match = re.search(pattern, sentence, re.IGNORECASE)
        if match and not re.search(rf"\b{other}\b", sentence, re.IGNORECASE):
            replacement = other.capitalize() if match.group(0)[0].isupper() else other
            return sentence[: match.start()] + replacement + sentence[match.end():]
    return None


def change_grade_label(sentence: str, nlp: ClinicalNLP) -> str | None:
    """A strength or evidence label changed inside the sentence's grade string."""
    for pattern, replacement in _LABEL_CHANGES:
        changed = re.sub(pattern, replacement, sentence, count=1)
        if changed != sentence:
            return changed
    return None


def raise_wording(sentence: str, nlp: ClinicalNLP) -> str | None:
    """The recommending word one step stronger: an option made a recommendation, a recommendation
    an obligation."""
    return _first_change(sentence, _RAISED_WORDING)


def change_time_word(sentence: str, nlp: ClinicalNLP) -> str | None:
    """How often or how long, written in words, changed ("daily" -> "weekly")."""
    return _first_change(sentence, _TIME_CHANGES)


def _first_change(sentence: str, changes: list[tuple[str, str]]) -> str | None:
    for pattern, replacement in changes:
        match = re.search(pattern, sentence)
        if match:
            word = replacement.capitalize() if match.group(0)[0].isupper() else replacement
            return sentence[: match.start()] + word + sentence[match.end():]
    return None


def shorten(sentence: str, nlp: ClinicalNLP) -> str | None:
    """Faithful: the sentence without a trailing qualifier, reason, grade string or list of
    examples, never without the words that make it a recommendation (must pass)."""
    for pattern, reason in _SHORTENINGS:
        for match in pattern.finditer(sentence):
            shorter = (sentence[: match.start()] + sentence[match.end():]).rstrip()
            left_out = match.group(0)
            if _RECOMMENDING.search(left_out) or (not reason and _VERB.search(left_out)) \
                    or len(shorter.split()) < MIN_WORDS:
                continue
            return shorter if shorter.endswith((".", ";")) else shorter + "."
    return None


def _moved(value: str, interval: bool) -> str:
    number = float(value)
    if interval:
        new = number * 2 if number else 1.0
    elif number >= 20:
        new = number - 10 if number % 10 == 0 else number - 5
    else:
        new = number + 1
    return f"{new:g}" if "." in value else str(int(new))


HARD_PERTURBATIONS: dict[str, Callable[[str, ClinicalNLP], str | None]] = {
    "number in range or interval": change_number_in_range,
    "population swapped or collapsed": change_population,
    "grade label changed": change_grade_label,
    "wording raised a step": raise_wording,
    "how often or how long changed": change_time_word,
}
FAITHFUL_SHORTENINGS = shorten
