"""Concepts and the phrases that name them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Assertion = Literal["present", "negated", "possible", "hypothetical", "historical", "family"]


@dataclass(frozen=True)
class Concept:
    concept_id: str  # "<system>:<code>", e.g. "icd10cm:E11", "drugbank:DB00331", "hpo:HP:0001945"
    name: str
    system: str
    code: str
    kind: str  # "condition" | "drug" | "phenotype" | "heading"
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = field(default=(), compare=False)  # concept ids one IS_A step up


@dataclass(frozen=True)
class Mention:
    concept: Concept
    start: int  # character offsets into the analysed text
    end: int
    text: str
    assertion: Assertion
