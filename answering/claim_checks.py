"""Deterministic checks of one claim against one evidence sentence.

Each check returns the reasons it fails (empty when it passes). They catch what semantic
similarity misses: a changed dose, a dropped "not", a swapped drug or population, and a
recommendation made stronger than its source.
"""

from __future__ import annotations

import re

from answering.quantities import unmatched
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import ClinicalNLP

_NEGATION = re.compile(
    r"\b(not|no|never|without|neither|nor|cannot|against|insufficient|avoid|none|absence of)\b|n't\b", re.IGNORECASE
)
_STRONG = re.compile(r"\b(recommends?|recommended|should|must|offer|is indicated|are indicated|strongly)\b", re.I)
_WEAK = re.compile(r"\b(suggests?|suggested|consider|may|might|could|reasonable|selectively|optional|option)\b", re.I)
_GRADE = re.compile(r"\bgrade\s+([A-D])\b|\(([A-D]) recommendation\)|\bclass\s+(I{1,3}[ab]?)\b|\blevel\s+([A-C])\b",
                    re.IGNORECASE)
POPULATIONS = {
    "adult": "adult", "adults": "adult", "child": "child", "children": "child", "pediatric": "child",
    "paediatric": "child", "adolescent": "adolescent", "adolescents": "adolescent", "infant": "infant",
    "infants": "infant", "newborn": "infant", "newborns": "infant", "neonates": "infant", "man": "man", "men": "man",
    "male": "man", "males": "man", "woman": "woman", "women": "woman", "female": "woman", "females": "woman",
    "pregnant": "pregnant", "pregnancy": "pregnant", "older": "older", "elderly": "older", "girls": "child",
    "boys": "child", "younger": "younger", "postmenopausal": "postmenopausal", "premenopausal": "premenopausal",
}
_WORD = re.compile(r"[A-Za-z]+")


def numbers(claim: str, evidence: str) -> list[str]:
    missing = unmatched(claim, evidence)
    return [f"quantity {q} is not stated in the evidence" for q in missing]


def negation(claim: str, evidence: str, claim_mentions: list[Mention], evidence_mentions: list[Mention]) -> list[str]:
    """Polarity must agree: overall (negation cues) and for each shared concept (ConText)."""
    reasons = []
    if (len(_NEGATION.findall(claim)) % 2) != (len(_NEGATION.findall(evidence)) % 2):
        reasons.append("negation differs from the evidence")
    negated_in_evidence = {m.concept.concept_id: m.assertion == "negated" for m in evidence_mentions}
    for m in claim_mentions:
        cid = m.concept.concept_id
        if cid in negated_in_evidence and negated_in_evidence[cid] != (m.assertion == "negated"):
            reasons.append(f"'{m.text}' is {'negated' if m.assertion == 'negated' else 'affirmed'} "
                           "in the claim but not in the evidence")
    return reasons


def concepts(nlp: ClinicalNLP, claim_mentions: list[Mention], evidence_mentions: list[Mention]) -> list[str]:
    """Every condition and drug of the claim must be in the evidence (itself or a narrower concept)."""
    present = {m.concept.concept_id for m in evidence_mentions}
    covered = present | {ancestor for cid in present for ancestor in _ancestors(nlp, cid)}
    return [f"{m.concept.kind} '{m.text}' ({m.concept.concept_id}) is not in the evidence"
            for m in claim_mentions if m.concept.concept_id not in covered]


def populations(claim: str, evidence: str) -> list[str]:
    have = _population_words(evidence)
    return [f"population '{p}' is not in the evidence" for p in sorted(_population_words(claim) - have)]


def strength(claim: str, evidence: str) -> list[str]:
    reasons = []
    weaker_hedging = len(_WEAK.findall(claim)) < len(_WEAK.findall(evidence))
    stronger_wording = len(_STRONG.findall(claim)) > len(_STRONG.findall(evidence))
    if weaker_hedging or stronger_wording:
        reasons.append("recommendation is stated more strongly than in the evidence")
    claim_grades, evidence_grades = _grades(claim), _grades(evidence)
    if claim_grades - evidence_grades:
        reasons.append(f"grade {', '.join(sorted(claim_grades - evidence_grades))} is not the evidence's grade")
    return reasons


def _grades(text: str) -> set[str]:
    return {next(g for g in m.groups() if g).upper() for m in _GRADE.finditer(text)}


def _population_words(text: str) -> set[str]:
    return {POPULATIONS[w] for w in (w.lower() for w in _WORD.findall(text)) if w in POPULATIONS}


def _ancestors(nlp: ClinicalNLP, concept_id: str) -> list[str]:
    """Every IS_A ancestor (HPO terms may have several parents)."""
    found: list[str] = []
    start = nlp.concept(concept_id)
    stack = list(start.parents) if start else []
    while stack:
        parent = stack.pop()
        if parent not in found and parent != concept_id:
            found.append(parent)
            concept = nlp.concept(parent)
            stack.extend(concept.parents if concept else ())
    return found
