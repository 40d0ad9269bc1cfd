"""Drug names (generic and brand) to DrugBank, from ``drug-named-entity-recognition``'s dictionary.

The library's own import also builds a character-trigram index over all 107k names for fuzzy
matching: ~340 MB and ~3 s in every process that imports it. Names are matched exactly here, so
its dictionary file is read without importing the library, and only the exact lookups are kept.
``DrugDictionary.find`` matches as the library's ``find_drugs(tokens, is_ignore_case=True)`` does:
two-token names first, then single tokens not already part of a match.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ckg.errors import ConfigurationError
from ckg.nlp.derived_cache import load_or_build, source_key
from ckg.once import built_once

PACKAGE = "drug_named_entity_recognition"
DISTRIBUTION = "drug-named-entity-recognition"
MAX_SYNONYMS = 12
MAX_TOKENS = 2  # the library looks names up one and two tokens at a time; longer names never match


@dataclass(frozen=True)
class Drug:
    drugbank_id: str
    name: str
    synonyms: tuple[str, ...]


class DrugDictionary:
    def __init__(self, names: dict[str, Drug | None]) -> None:
        # lower-case name (one or two tokens) -> its drug; None for a name the dictionary knows
        # without a DrugBank id (it still claims its tokens, as in the library)
        self.names = names

    def find(self, tokens: list[str]) -> list[tuple[Drug, int, int]]:
        """Each drug named, with the token range that names it."""
        found: list[tuple[Drug, int, int]] = []
        taken: set[int] = set()
        for i in range(len(tokens) - 1):
            pair = f"{tokens[i]} {tokens[i + 1]}".lower()
            if pair in self.names:
                taken.update((i, i + 1))
                if (drug := self.names[pair]) is not None:
                    found.append((drug, i, i + 2))
        for i, token in enumerate(tokens):
            drug = None if i in taken else self.names.get(token.lower())
            if drug is not None:
                found.append((drug, i, i + 1))
        return found

    def unidentified(self, tokens: list[str]) -> set[str]:
        """The names among the tokens (one or two at a time) that the dictionary knows without a
        DrugBank id ("insulin", "penicillin", "lithium"): no concept is made of them, so only their
        names can be compared."""
        grams = (" ".join(tokens[i : i + n]).lower() for n in range(1, MAX_TOKENS + 1)
                 for i in range(len(tokens) - n + 1))
        return {g for g in grams if g in self.names and self.names[g] is None}


def dictionary_file() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # finds the package without running its import
    if spec is None or spec.origin is None:
        raise ConfigurationError(f"the drug dictionary needs the {PACKAGE} package "
                                 "(pip install drug-named-entity-recognition)")
    return Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2"


@built_once
def get_drugs() -> DrugDictionary:
    """Built from the library's file once per machine, then read back (``ckg.nlp.derived_cache``)."""
    key = source_key([DISTRIBUTION], [Path(__file__)])
    return load_or_build("drug-dictionary", key, _build_dictionary, _to_json, _from_json)


def _build_dictionary() -> DrugDictionary:
    with bz2.open(dictionary_file(), "rb") as f:
        data = pickle.load(f)  # noqa: S301  # the library's own packaged file, read as the library reads it
    canonical_of = {variant: canonicals[0] for variant, canonicals in data["drug_variant_to_canonical"].items()}
    synonyms: dict[str, set[str]] = {}
    for variant, canonical in canonical_of.items():
        synonyms.setdefault(canonical, set()).add(variant)
    drugs = {canonical: _drug(canonical, entry, synonyms.get(canonical, set()))
             for canonical, entry in data["drug_canonical_to_data"].items() if entry.get("drugbank_id")}
    return DrugDictionary({variant: drugs.get(canonical) for variant, canonical in canonical_of.items()
                           if variant.count(" ") < MAX_TOKENS})


def _drug(canonical: str, entry: dict[str, str], synonyms: set[str]) -> Drug:
    return Drug(entry["drugbank_id"], entry.get("name") or canonical, tuple(sorted(synonyms)[:MAX_SYNONYMS]))


def _to_json(dictionary: DrugDictionary) -> dict[str, Any]:
    drugs = list({id(d): d for d in dictionary.names.values() if d is not None}.values())
    number = {id(d): i for i, d in enumerate(drugs)}
    return {"drugs": [[d.drugbank_id, d.name, list(d.synonyms)] for d in drugs],
            "names": {name: None if d is None else number[id(d)] for name, d in dictionary.names.items()}}


def _from_json(data: dict[str, Any]) -> DrugDictionary:
    drugs = [Drug(drugbank_id, name, tuple(synonyms)) for drugbank_id, name, synonyms in data["drugs"]]
    return DrugDictionary({name: None if i is None else drugs[i] for name, i in data["names"].items()})
