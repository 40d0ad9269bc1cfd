"""Deterministic checks of one claim against one evidence sentence.

Each check returns the reasons it fails (empty when it passes). They catch what semantic
similarity misses: a changed dose, a dropped "not", a swapped drug or population, and a
recommendation made stronger than its source.
"""

from __future__ import annotations

import re
from collections import Counter

from answering.quantities import repeated, unmatched
from answering.terms import stem
from ckg.nlp.concepts import Mention
from ckg.nlp.drugs import get_drugs
from ckg.nlp.pipeline import ClinicalNLP

_TOKEN = re.compile(r"[a-z0-9]+(?:n't)?")
_CLAUSE_END = re.compile(r"(?<!\d)[.;:](?!\d)|[()\[\]]")
_NEGATION_CUES = frozenset({"not", "no", "never", "without", "neither", "nor", "cannot", "against", "avoid", "none"})
_FILLERS = frozenset({"be", "is", "are", "was", "were", "been", "to", "the", "a", "an", "do", "does", "should",
                      "must", "can", "may", "will", "would", "routinely", "use", "of", "for", "in"})
_STRONG = re.compile(r"\b(recommends?|recommended|should|must|offer|is indicated|are indicated|strongly)\b", re.I)
_WEAK = re.compile(r"\b(suggests?|suggested|consider|may|might|could|reasonable|selectively|optional|option)\b", re.I)
_GRADE = re.compile(r"\bgrade\s+([A-D])\b|\(([A-D]) recommendation\)|\bclass\s+(I{1,3}[ab]?)\b|\blevel\s+([A-C])\b",
                    re.IGNORECASE)
# Grade strings in words or codes: "(strong recommendation, high-quality evidence)", "1B", "Level 2".
_GRADE_WORDS = re.compile(r"\b(strong|weak|conditional) recommendation(?: (?:for|against)\b)?"
                          r"|\b(high|moderate|low|very low)[- ]quality\b"
                          r"|\b[12][A-C]\b|\blevel [1-5]\b|\([A-D]\)(?=[.;]?\s*$)", re.IGNORECASE)
_DIRECTION = re.compile(r" (FOR|AGAINST)$")
# A scheme's labels in words inside a grade string: "(Weak, Imperative)", "[Strong; moderate certainty]".
_BRACKETED = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_LABEL_WORDS = frozenset({"strong", "weak", "conditional", "fair", "good", "poor", "insufficient", "high", "moderate",
                          "low", "consensus", "imperative", "expert", "opinion"})
# How strongly a sentence words what it asks for: an obligation, a recommendation, an option.
_WORDING_LEVELS = (
    (3, re.compile(r"\b(must|shall|always|mandatory|required|essential|strongly)\b", re.I)),
    (2, re.compile(r"\b(should|recommends?|recommended|offer|(?:is|are) indicated|advised?)\b", re.I)),
    (1, re.compile(r"\b(suggests?|suggested|consider|may|might|could|can|reasonable|optional|option)\b", re.I)),
)
# How often and over what time: "daily" and "every day" alike, "weekly" is not.
_TIME_WORDS = {
    "hourly": "hour", "hour": "hour", "hours": "hour", "daily": "day", "day": "day", "days": "day", "nightly": "night",
    "night": "night", "nights": "night", "weekly": "week", "week": "week", "weeks": "week", "fortnightly": "fortnight",
    "monthly": "month", "month": "month", "months": "month", "quarterly": "quarter", "yearly": "year",
    "annually": "year", "annual": "year", "year": "year", "years": "year", "once": "once", "twice": "twice",
    "minute": "minute", "minutes": "minute",
}
_REPEATED_GROUP = re.compile(r"\b(children|adults|infants|adolescents|women|men|boys|girls|patients|young people)"
                             r"\s+(?:and|or)\s+\1\b", re.IGNORECASE)
POPULATIONS = {
    "adult": "adult", "adults": "adult", "child": "child", "children": "child", "pediatric": "child",
    "paediatric": "child", "adolescent": "adolescent", "adolescents": "adolescent", "infant": "infant",
    "infants": "infant", "newborn": "infant", "newborns": "infant", "neonates": "infant", "man": "man", "men": "man",
    "male": "man", "males": "man", "woman": "woman", "women": "woman", "female": "woman", "females": "woman",
    "pregnant": "pregnant", "pregnancy": "pregnant", "older": "older", "elderly": "older", "girls": "child",
    "boys": "child", "younger": "younger", "postmenopausal": "postmenopausal", "premenopausal": "premenopausal",
}
_WORD = re.compile(r"[A-Za-z]+")
_HYPHENATED = re.compile(r"[a-z]+-[a-z]+")
# Populations that exclude each other: a recommendation for one does not answer a question about
# another. Values of one dimension that are compatible share a set ("older" people are adults).
_EXCLUSIVE = {
    "age": ({"adult", "older"}, {"child", "adolescent", "infant", "younger"}),
    "sex": ({"man"}, {"woman", "pregnant", "postmenopausal", "premenopausal", "nonpregnant"}),
    "pregnancy": ({"pregnant"}, {"nonpregnant", "postmenopausal", "postpartum"}),
    "menopause": ({"premenopausal"}, {"postmenopausal"}),
    "symptoms": ({"symptomatic"}, {"asymptomatic"}),
    "risk": ({"high-risk"}, {"low-risk"}, {"intermediate-risk"}),
}
# A disease's severity ("severe haemophilia", "severely affected patients"), not the strength or
# quality of a recommendation ("moderate-quality evidence", "a moderate recommendation").
_SEVERITY = re.compile(r"\b(mild|moderate|severe)(?:ly)?\b(?![- ](?:quality|certainty|level|evidence|recommendation"
                       r"|strength|grade|risk|benefit))", re.IGNORECASE)
_MORE_POPULATIONS = {
    "nonpregnant": "nonpregnant", "non-pregnant": "nonpregnant", "symptomatic": "symptomatic",
    "asymptomatic": "asymptomatic", "toddlers": "child", "neonatal": "infant", "elderly": "older",
    "postpartum": "postpartum", "high-risk": "high-risk", "low-risk": "low-risk",
    "intermediate-risk": "intermediate-risk",
}
_RISK_GROUP = re.compile(r"\b(high|low|intermediate)[- ]risk\b", re.IGNORECASE)

_ALL_POPULATIONS = POPULATIONS | _MORE_POPULATIONS


def numbers(claim: str, evidence: str, best_sentence: str = "") -> list[str]:
    missing = [f"quantity {q} is not stated in the evidence" for q in unmatched(claim, evidence)]
    return missing + [f"quantity {q} is stated more often than in the evidence" for q in repeated(claim, best_sentence)]


def negation(claim: str, evidence: str, claim_mentions: list[Mention], evidence_mentions: list[Mention]) -> list[str]:
    """Polarity must agree: overall (negation cues) and for each shared concept (ConText)."""
    reasons = []
    said, stated = _negated_phrases(claim), _negated_phrases(evidence)
    # negated in the evidence, affirmed in the claim; and the other way round
    dropped = {p for p in stated - said if p in _phrases(claim) and not _same_negation(p, said)}
    added = {p for p in said - stated if p in _phrases(evidence) and not _same_negation(p, stated)}
    if dropped or added:
        reasons.append("negation differs from the evidence")
    # Each concept's polarities in the evidence: one named both ways there ("lower tumor burden
    # ... absence of tumor invasion") may be quoted either way.
    polarities: dict[str, set[bool]] = {}
    for m in evidence_mentions:
        polarities.setdefault(m.concept.concept_id, set()).add(m.assertion == "negated")
    for m in claim_mentions:
        cid = m.concept.concept_id
        if cid in polarities and (m.assertion == "negated") not in polarities[cid]:
            reasons.append(f"'{m.text}' is {'negated' if m.assertion == 'negated' else 'affirmed'} "
                           "in the claim but not in the evidence")
    return reasons


def _negated_phrases(text: str) -> set[tuple[str, ...]]:
    """What each negation cue negates: the content words after it ("do not use razors" ->
    ("use", "razors")). Comparing these, not counts of "not", lets a claim leave out a negated
    clause of its evidence (a shortened quote) while a dropped or added "not" is still caught."""
    cues: Counter[tuple[str, ...]] = Counter()
    for clause in _CLAUSE_END.split(text):  # what a cue negates ends with its sentence or bracket
        tokens = _tokens(clause)
        for i, token in enumerate(tokens):
            if _is_cue(token):
                following = [t for t in tokens[i + 1 : i + 6] if t not in _FILLERS and not _is_cue(t)][:2]
                if following:
                    cues[tuple(following)] += 1
    return {phrase for phrase, n in cues.items() if n % 2}  # "there is not no evidence": negated twice


def _same_negation(phrase: tuple[str, ...], negated: set[tuple[str, ...]]) -> bool:
    """The phrase is negated there too, only cut short: "is not recommended." quotes "is not
    recommended [III-B]" (one phrase is the start of the other)."""
    return any(other[: len(phrase)] == phrase or phrase[: len(other)] == other for other in negated)


def _is_cue(token: str) -> bool:
    return token in _NEGATION_CUES or token.endswith("n't")


def _phrases(text: str) -> set[tuple[str, ...]]:
    """Every run of one or two content words, to see whether a negated phrase is there at all."""
    words = [t for t in _tokens(text) if t not in _FILLERS and t not in _NEGATION_CUES]
    return {(w,) for w in words} | set(zip(words, words[1:], strict=False))


def _tokens(text: str) -> list[str]:
    """Lower-cased, stemmed words ("recommends" and "recommend" alike); cues and fillers unstemmed."""
    return [t if t in _NEGATION_CUES or t in _FILLERS or t.endswith("n't") else stem(t)
            for t in _TOKEN.findall(text.lower())]


def unidentified_drugs(claim: str, evidence: str) -> list[str]:
    """Drugs named in the claim that have no concept (no DrugBank id: insulin, penicillin) must be
    named in the evidence."""
    drugs = get_drugs()
    said, stated = (drugs.unidentified(_TOKEN.findall(text.lower())) for text in (claim, evidence))
    return [f"drug '{name}' is not in the evidence" for name in sorted(said - stated)]


def concepts(nlp: ClinicalNLP, claim_mentions: list[Mention], evidence_mentions: list[Mention]) -> list[str]:
    """Every condition and drug of the claim must be in the evidence (itself or a narrower concept)."""
    present = {m.concept.concept_id for m in evidence_mentions}
    covered = present | {ancestor for cid in present for ancestor in _ancestors(nlp, cid)}
    return [f"{m.concept.kind} '{m.text}' ({m.concept.concept_id}) is not in the evidence"
            for m in claim_mentions if m.concept.concept_id not in covered]


def populations(claim: str, best_sentence: str, all_evidence: str) -> list[str]:
    """The claim's populations must be the closest evidence sentence's (the paragraph's, when that
    sentence names none); a population repeated in one coordination ("children and children") means
    a group was lost."""
    have = _population_words(best_sentence) or _population_words(all_evidence)
    reasons = [f"population '{p}' is not in the evidence" for p in sorted(_population_words(claim) - have)]
    for twice in _REPEATED_GROUP.finditer(claim):
        if twice.group(0).lower() not in all_evidence.lower():
            reasons.append(f"population '{twice.group(1)}' is repeated where the evidence names another group")
    return reasons


def population_conflicts(question: str, sentence: str) -> list[str]:
    """Populations the sentence speaks of that exclude the one the question asks about
    ("symptomatic patients" for a question about an asymptomatic one, "children" for an adult,
    "mild and moderate haemophilia" for a severe one)."""
    asked, said = _population_words(question), _population_words(sentence)
    conflicts = _severity_conflict(question, sentence)
    for groups in _EXCLUSIVE.values():
        asked_groups = [g for g in groups if asked & g]
        said_groups = [g for g in groups if said & g]
        if len(asked_groups) == 1 and said_groups and asked_groups[0] not in said_groups:
            conflicts.append(f"speaks of {'/'.join(sorted(said & said_groups[0]))} where the question asks about "
                             f"{'/'.join(sorted(asked & asked_groups[0]))}")
    return conflicts


def _severity_conflict(question: str, sentence: str) -> list[str]:
    """The question names one severity and the sentence only others ("moderate to severe" includes severe)."""
    asked = {m.lower() for m in _SEVERITY.findall(question)}
    said = {m.lower() for m in _SEVERITY.findall(sentence)}
    if len(asked) == 1 and said and not asked & said:
        return [f"speaks of {'/'.join(sorted(said))} disease where the question asks about {asked.pop()}"]
    return []


def strength(claim: str, evidence: str, grade_note: str = "") -> list[str]:
    """Hedges and strength words against the closest evidence sentence; grades also against the
    grade note that may follow it as a sentence of its own ("... home exercises. (Weak recommendation)")."""
    reasons = []
    stronger_wording = len(_STRONG.findall(claim)) > len(_STRONG.findall(evidence))
    worded = _wording_level(claim)
    if _dropped_hedge(claim, evidence) or stronger_wording or (worded >= 2 and worded > _wording_level(evidence)):
        reasons.append("recommendation is stated more strongly than in the evidence")
    graded = f"{evidence} {grade_note}"
    changed = (_grades(claim) - _grades(graded)) | (_labels(claim) - _labels(graded))
    if changed:
        reasons.append(f"grade {', '.join(sorted(changed))} is not the evidence's grade")
    return reasons


def _wording_level(text: str) -> int:
    """3 for an obligation ("must"), 2 for a recommendation ("should"), 1 for an option ("may"), 0 for none."""
    return max((level for level, words in _WORDING_LEVELS if words.search(text)), default=0)


def _labels(text: str) -> set[str]:
    """The label words of the text's bracketed grade strings ("(Weak, Imperative)" -> WEAK, IMPERATIVE)."""
    inside = " ".join(a or b for a, b in _BRACKETED.findall(text))
    return {w.upper() for w in _WORD.findall(inside.lower()) if w in _LABEL_WORDS}


def intervals(claim: str, evidence: str) -> list[str]:
    """How often and over what time ("daily", "weeks", "twice") must be the evidence's: numbers
    are checked as quantities, but "on alternate days" has none."""
    def said(text: str) -> set[str]:
        return {_TIME_WORDS[w] for w in _WORD.findall(text.lower()) if w in _TIME_WORDS}
    return [f"'{unit}' (how often or how long) is not in the evidence" for unit in sorted(said(claim) - said(evidence))]


def _dropped_hedge(claim: str, evidence: str) -> bool:
    """A hedge ("may", "consider") of the evidence is missing from the claim although what it hedges
    is there. A claim that leaves out the hedged clause altogether (a shortened quote) keeps its
    strength: it says less, not more."""
    claim_words = set(_WORD.findall(claim.lower()))
    claim_hedges = {m.group(0).lower() for m in _WEAK.finditer(claim)}
    for hedge in _WEAK.finditer(evidence):
        hedged = [w for w in _WORD.findall(evidence[hedge.end():].lower()) if len(w) > 2][:3]
        if hedged and all(w in claim_words for w in hedged) and hedge.group(0).lower() not in claim_hedges:
            return True
    return False


def _grades(text: str) -> set[str]:
    """Grade tokens, normalised: "B", "1A", "LEVEL 2", "STRONG RECOMMENDATION", "LOW-QUALITY EVIDENCE" ..."""
    found = {next(g for g in m.groups() if g).upper() for m in _GRADE.finditer(text)}
    words = {" ".join(m.group(0).upper().replace("-", " ").split()) for m in _GRADE_WORDS.finditer(text)}
    # "strong recommendation against ..." is also a "strong recommendation": a shortened quote may drop the direction
    return found | words | {_DIRECTION.sub("", w) for w in words}


def _population_words(text: str) -> set[str]:
    lowered = _RISK_GROUP.sub(lambda m: f"{m.group(1)}-risk", text.lower())
    compounds = [w for w in _HYPHENATED.findall(lowered) if w in _ALL_POPULATIONS]  # "non-pregnant" ...
    for compound in compounds:
        lowered = lowered.replace(compound, " ")  # ... is not also "pregnant"
    words = compounds + _WORD.findall(lowered)
    return {_ALL_POPULATIONS[w] for w in words if w in _ALL_POPULATIONS}


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
