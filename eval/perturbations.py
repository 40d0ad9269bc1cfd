"""Perturbed copies of real recommendation sentences: each kind of error a generator makes.

Used by the faithfulness evaluation and its test. Every perturbation returns None when it does
not apply to a sentence (no number to change, no drug to swap ...), so rates are computed over
the sentences each kind applies to.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ckg.nlp.pipeline import ClinicalNLP

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_NEGATABLE = [
    (re.compile(r"\bshould not\b"), "should"), (re.compile(r"\bdo not\b", re.I), "do"),
    (re.compile(r"\bis not\b"), "is"), (re.compile(r"\bare not\b"), "are"), (re.compile(r"\bshould\b"), "should not"),
    (re.compile(r"\brecommends against\b"), "recommends"), (re.compile(r"\brecommends\b"), "does not recommend"),
    (re.compile(r"\bis recommended\b"), "is not recommended"), (re.compile(r"\bis\b"), "is not"),
    (re.compile(r"\bare\b"), "are not"), (re.compile(r"\bmay\b"), "may not"),
]
_INFLATIONS = [
    (re.compile(r"\bconsider\b", re.I), "offer"), (re.compile(r"\bsuggests\b"), "strongly recommends"),
    (re.compile(r"\bsuggest\b"), "strongly recommend"), (re.compile(r"\bmay\b"), "must"),
    (re.compile(r"\bcould\b"), "must"), (re.compile(r"\bis reasonable\b"), "is recommended"),
    (re.compile(r"\bselectively\b"), "routinely"), (re.compile(r"\b[Ww]eak recommendation"), "Strong recommendation"),
    (re.compile(r"\b[Cc]onditional recommendation"), "Strong recommendation"),
    (re.compile(r"\(([B-D]) recommendation\)"), "(A recommendation)"), (re.compile(r"\bGrade [B-D]\b"), "Grade A"),
    (re.compile(r"\bClass II[ab]\b"), "Class I"), (re.compile(r"\bLevel [B-C]\b"), "Level A"),
]
_POPULATION_SWAPS = {"adults": "children", "children": "adults", "men": "women", "women": "men",
                     "adolescents": "infants", "infants": "adolescents", "pregnant": "postmenopausal",
                     "older": "younger"}
_PARAPHRASES = [
    (re.compile(r"\bpatients\b"), "people"), (re.compile(r"\bclinicians\b"), "health care providers"),
    (re.compile(r"\bphysicians\b"), "doctors"), (re.compile(r"\bshould be used\b"), "should be employed"),
    (re.compile(r"\bprior to\b"), "before"), (re.compile(r"\bin order to\b"), "to"),
    (re.compile(r"\butilize\b"), "use"), (re.compile(r"\bassess\b"), "evaluate"),
]
SWAP_DRUGS = ["warfarin", "amoxicillin", "metformin", "ibuprofen", "lisinopril"]
SWAP_CONDITIONS = ["osteoporosis", "asthma", "hypertension"]


def change_number(sentence: str, nlp: ClinicalNLP) -> str | None:
    match = _NUMBER.search(sentence)
    if not match:
        return None
    value = float(match.group(1))
    new = value * 2 if value else 1.0
    text = f"{new:g}" if "." in match.group(1) else str(int(new))
    return sentence[: match.start()] + text + sentence[match.end() :]


def flip_negation(sentence: str, nlp: ClinicalNLP) -> str | None:
    return _first_substitution(sentence, _NEGATABLE)


def swap_drug(sentence: str, nlp: ClinicalNLP) -> str | None:
    return _swap_mention(sentence, nlp, "drug", SWAP_DRUGS)


def swap_condition(sentence: str, nlp: ClinicalNLP) -> str | None:
    return _swap_mention(sentence, nlp, "condition", SWAP_CONDITIONS)


def swap_population(sentence: str, nlp: ClinicalNLP) -> str | None:
    for word, other in _POPULATION_SWAPS.items():
        pattern = re.compile(rf"\b{word}\b")
        if pattern.search(sentence) and not re.search(rf"\b{other}\b", sentence):
            return pattern.sub(other, sentence, count=1)
    return None


def inflate_strength(sentence: str, nlp: ClinicalNLP) -> str | None:
    return _first_substitution(sentence, _INFLATIONS)


def paraphrase(sentence: str, nlp: ClinicalNLP) -> str | None:
    """A rewording that keeps the meaning: should pass."""
    text = sentence
    for pattern, replacement in _PARAPHRASES:
        text = pattern.sub(replacement, text)
    return text if text != sentence else None


PERTURBATIONS: dict[str, Callable[[str, ClinicalNLP], str | None]] = {
    "number": change_number,
    "negation": flip_negation,
    "drug": swap_drug,
    "condition": swap_condition,
    "population": swap_population,
    "strength": inflate_strength,
}


def _first_substitution(sentence: str, rules: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, replacement in rules:
        if pattern.search(sentence):
            return pattern.sub(replacement, sentence, count=1)
    return None


def _swap_mention(sentence: str, nlp: ClinicalNLP, kind: str, replacements: list[str]) -> str | None:
    mentions = [m for m in nlp.analyze(sentence) if m.concept.kind == kind]
    if not mentions:
        return None
    target = mentions[0]
    present = {m.text.lower() for m in mentions}
    replacement = next(r for r in replacements if r not in present and r not in sentence.lower())
    return sentence[: target.start] + replacement + sentence[target.end :]
