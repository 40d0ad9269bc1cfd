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

from ckg.errors import ConfigurationError
from ckg.once import built_once

PACKAGE = "drug_named_entity_recognition"
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
        self._names = names

    def find(self, tokens: list[str]) -> list[tuple[Drug, int, int]]:
        """Each drug named, with the token range that names it."""
        found: list[tuple[Drug, int, int]] = []
        taken: set[int] = set()
        for i in range(len(tokens) - 1):
            pair = f"{tokens[i]} {tokens[i + 1]}".lower()
            if pair in self._names:
                taken.update((i, i + 1))
                if (drug := self._names[pair]) is not None:
                    found.append((drug, i, i + 2))
        for i, token in enumerate(tokens):
            drug = None if i in taken else self._names.get(token.lower())
            if drug is not None:
                found.append((drug, i, i + 1))
        return found


def dictionary_file() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # finds the package without running its import
    if spec is None or spec.origin is None:
        raise ConfigurationError(f"the drug dictionary needs the {PACKAGE} package "
                                 "(pip install drug-named-entity-recognition)")
    return Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2"


@built_once
def get_drugs() -> DrugDictionary:
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
