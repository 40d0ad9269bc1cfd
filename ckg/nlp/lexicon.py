"""Which phrases name which condition concept: ICD-10-CM descriptions plus hand-kept synonyms.

ICD-10-CM titles are written for coders ("Abdominal aortic aneurysm, without rupture"), so
only short, self-contained titles are used as phrases, with notes in brackets dropped
("Chronic kidney disease (CKD)" -> "chronic kidney disease"). Abbreviations come only from the
hand-kept list: ICD notes include "ALL", "MEN" and "ADA", which ordinary text is full of.
A phrase that would name two codes at the same level is left out rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType

from ckg.nlp.concepts import Concept
from ckg.nlp.synonyms import ABBREVIATIONS, AMBIGUOUS, CONDITION_SYNONYMS
from ckg.once import built_once

SYSTEM = "ICD-10-CM"
_QUALIFIERS = re.compile(
    r"\b(unspecified|other|with|without|due to|not|left|right|bilateral|encounter|sequela|subsequent|"
    r"initial|by|and other|elsewhere|classified|site|type)\b|,|;",
    re.IGNORECASE,
)
_BLOCK_RANGE = re.compile(r"\s*\([A-Z]\d\d[A-Z0-9.]*-[A-Z]\d\d[A-Z0-9.]*\)\s*$")
_ANY_NOTE = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
MAX_WORDS = 6


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[str, str]  # lower-case phrase -> concept id
    abbreviations: dict[str, str]  # exact-case abbreviation -> concept id
    concepts: dict[str, Concept]


def concept_id(code: str) -> str:
    return f"icd10cm:{code}"


def _icd() -> ModuleType:
    """ICD-10-CM, imported only when the lexicon is built (~3 s and 170 MB; see ckg.nlp.vocabulary)."""
    import simple_icd_10_cm

    return simple_icd_10_cm


def icd_concept(code: str) -> Concept:
    icd = _icd()
    parent = icd.get_parent(code)
    # A block holding a single category shares its name ("J95"): that is no parent of its own.
    parents = (concept_id(parent),) if parent and parent != code and not icd.is_chapter(parent) else ()
    return Concept(concept_id(code), icd.get_description(code), SYSTEM, code, "condition", parents=parents)


@built_once
def build_lexicon() -> Lexicon:
    icd = _icd()
    phrases: dict[str, set[str]] = {}
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_chapter(code):
            continue
        title = _BLOCK_RANGE.sub("", icd.get_description(code))
        phrase = _ANY_NOTE.sub("", title).strip().lower()
        if phrase and len(phrase.split()) <= MAX_WORDS and len(phrase) >= 4 and not _QUALIFIERS.search(phrase):
            phrases.setdefault(phrase, set()).add(code)
    chosen = {phrase: _most_general(codes) for phrase, codes in phrases.items()}
    resolved = {p: c for p, c in chosen.items() if c is not None and p not in AMBIGUOUS}
    resolved.update(CONDITION_SYNONYMS)
    codes = set(resolved.values()) | set(ABBREVIATIONS.values())
    concepts = {concept_id(code): icd_concept(code) for code in codes}
    _add_ancestors(concepts)
    return Lexicon(
        phrases={p: concept_id(c) for p, c in resolved.items()},
        abbreviations={a: concept_id(c) for a, c in ABBREVIATIONS.items()},
        concepts=concepts,
    )


def _most_general(codes: set[str]) -> str | None:
    """The one code highest in the hierarchy; None when two tie (the phrase is ambiguous)."""
    icd = _icd()
    by_depth = sorted(codes, key=lambda c: len(icd.get_ancestors(c)))
    if len(by_depth) > 1 and len(icd.get_ancestors(by_depth[0])) == len(icd.get_ancestors(by_depth[1])):
        return None
    return by_depth[0]


def _add_ancestors(concepts: dict[str, Concept]) -> None:
    """IS_A needs both ends: add every ancestor below the chapter level."""
    icd = _icd()
    for concept in list(concepts.values()):
        for ancestor in icd.get_ancestors(concept.code):
            if not icd.is_chapter(ancestor):
                concepts.setdefault(concept_id(ancestor), icd_concept(ancestor))
