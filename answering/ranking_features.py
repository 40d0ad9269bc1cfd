"""What the answer ranker knows about each evidence sentence: its features, each a number.

A specialist asks for a recommendation, so besides how close a sentence is to the question
(the gate's score) the ranker reads

- whether it is a recommendation statement (a ``Recommendation`` node of the graph), how it is
  graded, and how strongly it is worded: GRADE's convention, "we recommend" for a strong
  recommendation and "we suggest" for a weak one, read where no grade is written;
- whether it is methods text ("a systematic review ... was undertaken");
- whether it is in the guideline ranked first (fused ranking re-read by the gate: ``guideline_order``);
- how much of the question's distinctive wording it names: terms weighted by how rare they are
  among the candidate sentences and in the whole corpus, the thing a "which/what" question asks
  about twice;
- whether it states the number a "how often / at what count" question asks for, and of the kind
  asked (how often, how long, how soon, what age, dose or rate: ``quantity_kinds``), and whether a
  value the question states ("a 4 mm nodule") lies within the range it states (``thresholds``);
- whether it speaks of another population than the question's, or of what the question excludes
  ("other than quinine"), or excludes it too;
- for the best few, whether it asserts a clinical concept the opposite way from the question
  (ConText on both; the negation that gives a recommendation its direction is taken out first).

``answering.ranking_model`` weighs them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from answering import quantity_kinds, thresholds
from answering.claim_checks import population_conflicts
from answering.gate import Candidate, Relevance
from answering.question_form import QuestionForm, mentioned, states_quantity
from answering.terms import terms
from ckg import ids
from ckg.nlp.concepts import Mention
from graph.store import GradedSpan

FEATURES = (
    "relevance", "top_guideline", "coverage", "recommendation", "ungraded_among_graded", "grade_strength",
    "strong_wording", "weak_wording", "quantity_stated", "quantity_kind", "quantity_fit", "population_conflict",
    "includes_excluded", "excludes_too", "methods", "asserts_opposite", "excludes_with_question", "reader",
)
FOCUS_WEIGHT = 2.0  # the thing "which/what" asks about counts twice among the question's terms
GRADE_STRENGTH = {"strong": 1.0, "moderate": 0.75, "good-practice": 0.625, "weak": 0.375, "expert-opinion": 0.375,
                  "insufficient": 0.375}
UNKNOWN_STRENGTH = 0.5  # graded, in a scheme whose strength is not read

# Text about the document rather than the patient: how it was made, what it covers, its history.
_METHODS = re.compile(
    r"\b(systematic(ally)? review(ed)?|literature (search|review)|were searched|was undertaken|were undertaken"
    r"|search strategy|databases? (were|was)|the (panel|committee|working group) (reviewed|met|used)"
    r"|evidence tables?|methodolog|(this|the present|these|the current) (guidelines?|recommendations?|document)"
    r" (provides?|covers?|address(es)?|was|were|is|are|focus(es)?|updates?)|(were|was) first addressed"
    r"|(beyond|outside) the scope|scope of (this|the) (guideline|document|review))",
    re.IGNORECASE,
)
_ASKS_ABOUT_METHODS = re.compile(r"\b(methods?|methodology|evidence base|how was|systematic review|studies)\b",
                                 re.IGNORECASE)
# The negation that makes a recommendation one *against* something: removed before comparing
# assertions, so that "do not use X to assess frailty" does not read as "frailty absent".
_DIRECTION_NEGATION = (
    (re.compile(r"^\s*(do not|don't|never)\b", re.IGNORECASE), ""),
    (re.compile(r"\b(should|must|shall|could|would|can|may|need|will) not\b", re.IGNORECASE), r"\1"),
    (re.compile(r"\bcannot\b", re.IGNORECASE), "can"),
    (re.compile(r"\bnot (?=(be )?(recommended|indicated|advised|suggested|routinely|required|necessary|needed)\b)",
                re.IGNORECASE), ""),
    (re.compile(r"\b(recommends?|suggests?|advises?) against\b", re.IGNORECASE), r"\1"),
)
# GRADE's wording convention: "we recommend" for strong recommendations, "we suggest" for weak ones;
# and the strength of evidence some developers open a statement with ("Strong evidence supports ...",
# "Limited evidence supports ...").
_STRONG_WORDING = re.compile(r"\b(recommends?|(is|are) (\w+ly )?recommended|must)\b|^\s*(do not|offer)\b"
                             r"|^\s*(strong|high[- ]quality) evidence\b", re.IGNORECASE)
# "may" hedges the recommendation, not a relative clause that describes its patients ("patients
# who may be transplant candidates should receive early referral").
_WEAK_WORDING = re.compile(r"\b(suggests?|suggested|consider|considered|(?<!who )(?<!that )(?<!which )(may|might|could)"
                           r"|reasonable|an option)\b|^\s*(limited|weak|low[- ]quality|inconclusive) evidence\b",
                           re.IGNORECASE)

@dataclass(frozen=True)
class Scored:
    """One candidate sentence with its features."""

    candidate: Candidate
    features: dict[str, float]
    reasons: tuple[str, ...]  # the features in words, for the record


def without_direction(sentence: str) -> str:
    """The sentence with the negation that makes it a recommendation against something removed."""
    for pattern, replacement in _DIRECTION_NEGATION:
        sentence = pattern.sub(replacement, sentence)
    return sentence


class TermCoverage:
    """How much of the question's distinctive wording each candidate sentence contains.

    A term's weight is its inverse document frequency among the candidates themselves — the
    candidates come from the few guidelines retrieval chose, so the condition they all discuss
    weighs little and the detail that singles out one recommendation weighs much — times its
    rarity in the whole corpus when known (a word as common as "keep" singles out nothing), and
    twice that for the thing a "which/what" question asks about.
    """

    def __init__(self, question: str, sentences: list[str], focus: frozenset[str] = frozenset(),
                 rarity: dict[str, float] | None = None, excluded: frozenset[str] = frozenset()) -> None:
        self._sentences = [mentioned(s) for s in sentences]
        df = Counter(t for bag in self._sentences for t in bag)
        n = len(sentences)
        # What the question excludes ("other than quinine") is not what it asks about.
        self._weights = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) * (rarity or {}).get(t, 1.0)
                         * (FOCUS_WEIGHT if t in focus else 1.0) for t in terms(question) - excluded if df[t]}
        self._total = sum(self._weights.values())

    def of(self, i: int) -> float:
        """Share of the question's term weight that sentence ``i`` contains (0 to 1)."""
        if not self._total:
            return 0.0
        return sum(w for t, w in self._weights.items() if t in self._sentences[i]) / self._total


@dataclass(frozen=True)
class QuestionReading:
    """What the features need to know about the question, read once."""

    question: str
    form: QuestionForm
    methods_ok: bool
    values: tuple[thresholds.Value, ...]  # what it states about its patient ("a 4 mm nodule")
    quantity_kind: str | None  # how often, how long, how soon, what age, dose or rate

    @classmethod
    def of(cls, question: str) -> QuestionReading:
        return cls(question, QuestionForm.of(question), bool(_ASKS_ABOUT_METHODS.search(question)),
                   tuple(thresholds.values(question)), quantity_kinds.asked(question))


def features(question: QuestionReading, ranked: list[tuple[int, Candidate]], relevance: Relevance) -> list[Scored]:
    """The features of each of ``ranked`` (statements with their index among the relevance's
    candidates, best gate score first), all but the assertion ones."""
    top = relevance.guidelines[0] if relevance.guidelines else _guideline(relevance.candidates[0])
    coverage = TermCoverage(question.question, [c.scored_text for _, c in ranked], question.form.focus,
                            relevance.rarity, question.form.excluded)
    grading = {ids.guideline_of(chunk) for chunk, spans in relevance.recommendations.items()
               if any(r.label for r in spans)}
    return [_scored(question, c, {
        "relevance": float(relevance.scores[i]),
        "top_guideline": float(_guideline(c) == top),
        "coverage": coverage.of(n),
    }, relevance.recommendations, grading) for n, (i, c) in enumerate(ranked)]


def _scored(question: QuestionReading, candidate: Candidate, found: dict[str, float],
            recommendations: dict[str, list[GradedSpan]], grading: set[str]) -> Scored:
    text, form = candidate.text, question.form
    conflicts = population_conflicts(question.question, text)
    included = form.includes_excluded(candidate.scored_text)
    rec = next((r for r in recommendations.get(candidate.hit.chunk_id, [])
                if r.char_start < candidate.end and candidate.start < r.char_end), None)
    graded_or_alone = rec is not None and (rec.label is not None or _guideline(candidate) not in grading)
    found |= {
        "recommendation": float(graded_or_alone),
        # a guideline that grades its statements left this one ungraded: commentary
        "ungraded_among_graded": float(rec is not None and not graded_or_alone),
        "grade_strength": (GRADE_STRENGTH.get(rec.strength or "", UNKNOWN_STRENGTH)
                           if rec is not None and rec.label else 0.0),
        "strong_wording": float(bool(_STRONG_WORDING.search(text))),
        "weak_wording": float(bool(_WEAK_WORDING.search(text))),
        "quantity_stated": float(form.asks_quantity and states_quantity(text)),
        "quantity_kind": float(question.quantity_kind is not None
                               and quantity_kinds.states(question.quantity_kind, text)),
        "quantity_fit": thresholds.fit(question.values, text),
        "population_conflict": float(len(conflicts)),
        "includes_excluded": float(bool(included)),
        "excludes_too": float(not included and form.excludes_too(candidate.scored_text)),
        "methods": float(not question.methods_ok and bool(_METHODS.search(text))),
        "asserts_opposite": 0.0,
        "excludes_with_question": 0.0,
    }
    reasons = [*conflicts]
    if included:
        reasons.append("speaks of what the question excludes: " + ", ".join(included))
    if found["excludes_too"]:
        reasons.append("excludes what the question excludes")
    if found["quantity_kind"]:
        reasons.append(f"states the {question.quantity_kind} asked for")
    elif found["quantity_stated"]:
        reasons.append("states the quantity asked for")
    if found["quantity_fit"]:
        reasons.append("the question's value is " + ("within" if found["quantity_fit"] > 0 else "outside")
                       + " the range it states")
    if found["recommendation"]:
        reasons.append("recommendation" + (f" ({rec.label})" if rec is not None and rec.label else ""))
    if found["ungraded_among_graded"]:
        reasons.append("ungraded, in a guideline that grades its recommendations")
    if found["methods"]:
        reasons.append("methods")
    if found["coverage"]:
        reasons.append(f"names {found['coverage']:.0%} of the question's distinctive terms")
    return Scored(candidate, found, tuple(reasons))


def with_assertions(scored: Scored, asked: dict[str, bool], said: list[Mention]) -> Scored:
    """Adds what ConText found: concepts asserted the opposite way from the question, or excluded by both."""
    assertions = asserted(said)
    opposite = sorted(cid for cid, present in assertions.items() if cid in asked and asked[cid] != present)
    excluded = sorted(cid for cid, present in assertions.items() if not present and asked.get(cid) is False)
    reasons = list(scored.reasons)
    if opposite:
        reasons.append("asserts the opposite of the question about " + ", ".join(opposite))
    elif excluded:
        reasons.append("excludes what the question excludes: " + ", ".join(excluded))
    found = scored.features | {"asserts_opposite": float(bool(opposite)),
                               "excludes_with_question": float(not opposite and bool(excluded))}
    return Scored(scored.candidate, found, tuple(reasons))


def with_reading(scored: list[Scored], answers: list[float]) -> list[Scored]:
    """Adds a reader's judgement: how likely each sentence answers the question."""
    return [Scored(s.candidate, s.features | {"reader": p},
                   (*s.reasons, f"the reader judges it answers the question ({p:.2f})") if p >= 0.5 else s.reasons)
            for s, p in zip(scored, answers, strict=True)]


def asserted(mentions: list[Mention]) -> dict[str, bool]:
    """Concept id -> whether it is asserted present (False: negated). Other assertions say neither."""
    found: dict[str, bool] = {}
    for m in mentions:
        if m.assertion in ("present", "negated"):
            found.setdefault(m.concept.concept_id, m.assertion == "present")
    return found


def _guideline(candidate: Candidate) -> str | None:
    prov = candidate.hit.provenance
    return prov.guideline_id if prov else None
