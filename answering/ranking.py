"""Which evidence sentence answers the question: the order an extractive answer quotes them in.

The relevance gate scores how close each sentence is to the question; that decides whether to
answer at all. What to *lead* with needs more: a specialist asks for a recommendation, so

- a sentence that is not a statement never answers: a question (a guideline's own PICO question),
  a heading, a title, a list lead-in or a fragment without a verb;
- a recommendation statement (a ``Recommendation`` node of the graph) is preferred, a graded one
  more, a strong one most, over the evidence and commentary around it;
- methods text ("a systematic review ... was undertaken") gives way, unless the question asks
  about methods;
- the guideline retrieval ranked first is preferred a little, so that an answer does not lead
  with another body's recommendation on a neighbouring question;
- a sentence that names more of the question's distinctive terms is preferred: terms weighted by
  how rare they are among the candidate sentences (a term every candidate shares tells nothing;
  "rings and watches" among theatre-wear recommendations tells a lot);
- a sentence that asserts a clinical concept the opposite way from the question — "patients *not*
  fit for cisplatin" asked, a recommendation for patients who receive it quoted — gives way to
  one that agrees (ConText assertions on both, for the concepts they share). The negation that
  gives a recommendation its direction ("do not use X", "X is not indicated") answers a question
  about X; it is not read as speaking of other patients.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from answering.claim_checks import population_conflicts
from answering.gate import Candidate, Relevance
from answering.question_form import QuestionForm, mentioned, states_quantity
from answering.terms import terms
from ckg import ids
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import ClinicalNLP
from graph.store import GradedSpan

RECOMMENDATION_BONUS = 0.15
# A graded recommendation comes before an ungraded one, a strong one before a weak one: among
# statements that answer the question about as well, the grade decides what leads.
GRADED_BONUS = {"strong": 0.08, "moderate": 0.06, "good-practice": 0.05, "weak": 0.03, "expert-opinion": 0.03,
                "insufficient": 0.03}
GRADED_UNKNOWN_STRENGTH = 0.04
UNGRADED_AMONG_GRADED_BONUS = 0.05
TOP_GUIDELINE_BONUS = 0.04  # the guideline retrieval ranked first: keeps the answer to one source's advice
METHODS_PENALTY = 0.12
CONFLICT_PENALTY = 0.15
AGREEMENT_BONUS = 0.05  # both exclude the same concept ("not fit for cisplatin"): the same subgroup
COVERAGE_WEIGHT = 0.3  # a sentence naming all the question's distinctive terms vs one naming none
FOCUS_WEIGHT = 2.0  # the thing "which/what" asks about counts twice among the question's terms
QUANTITY_BONUS = 0.1  # "at what count?", "how often?": a sentence stating a number answers it
CHECKED_FOR_CONFLICTS = 12  # the best-scoring sentences get the (slower) assertion check

_VERB = re.compile(
    r"\b(is|are|was|were|be|been|being|has|have|had|do|does|did|should|shall|must|may|might|can|could|will|would"
    r"|need|needs|appears?|seems?|remains?|(recommend|suggest|advise|reduce|increase|improve|show|indicate|require"
    r"|support|demonstrate|provide|include|occur|lead|cause|prevent|help|allow|affect|decrease|predict|identify"
    r"|depend|benefit|result|consider|offer|use|refer|perform|obtain|assess|measure|treat|avoid|ensure|discuss"
    r"|give|start|stop|continue|retain|screen|monitor|evaluate|administer|receive|undergo)(s|es|ed|d)?)\b",
    re.IGNORECASE,
)
# A question, or a list lead-in whose items are elsewhere ("... consider the following factors.").
_NOT_A_STATEMENT = re.compile(r"(\?|:)\s*$|\b(the following(\s+\w+){0,3}|as follows)\s*[.:]?\s*$", re.IGNORECASE)
_ENDS_A_SENTENCE = re.compile(r"[.!][\)\]\"'’”]*\s*$")
# Text about the document rather than the patient: how it was made, what it covers, its history.
_METHODS = re.compile(
    r"\b(systematic(ally)? review(ed)?|literature (search|review)|were searched|was undertaken|were undertaken"
    r"|search strategy|databases? (were|was)|the (panel|committee|working group) (reviewed|met|used)"
    r"|evidence tables?|methodolog|(this|the present|these|the current) (guidelines?|recommendations?|document)"
    r" (provides?|covers?|address(es)?|was|were|is|are|focus(es)?|updates?)|(were|was) first addressed)",
    re.IGNORECASE,
)
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
_ASKS_ABOUT_METHODS = re.compile(r"\b(methods?|methodology|evidence base|how was|systematic review|studies)\b",
                                 re.IGNORECASE)


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    reasons: tuple[str, ...]  # why it moved, for the record


def is_statement(text: str) -> bool:
    """A sentence that states something, not a question, heading, list lead-in or fragment.

    Without a part-of-speech model (none can be downloaded here) a statement is told by its
    full stop (headings and fragments have none) or, for list items without one, by a verb.
    """
    if _NOT_A_STATEMENT.search(text):
        return False
    return bool(_ENDS_A_SENTENCE.search(text) or _VERB.search(text))


class Ranker(Protocol):
    def rank(self, question: str, relevance: Relevance) -> list[Ranked]: ...


class RelevanceOrder:
    """Evidence sentences in the gate's order alone: what answers led with before answer ranking
    (kept as the baseline ``ckg eval specialist`` measures against)."""

    def rank(self, question: str, relevance: Relevance) -> list[Ranked]:
        return [Ranked(c, s, ()) for c, s in relevance.ranked()]


@dataclass
class AnswerRanker:
    nlp: ClinicalNLP

    def rank(self, question: str, relevance: Relevance) -> list[Ranked]:
        """Statements only, best answer first."""
        ranked = [(c, s) for c, s in relevance.ranked() if is_statement(c.text)]
        if not ranked:
            return []
        recommendations = relevance.recommendations
        methods_ok = bool(_ASKS_ABOUT_METHODS.search(question))
        top = _guideline(relevance.candidates[0])  # candidates come in the fused ranking's order
        form = QuestionForm.of(question)
        coverage = TermCoverage(question, [c.scored_text for c, _ in ranked], form.focus, relevance.rarity)
        grading = {ids.guideline_of(chunk) for chunk, spans in recommendations.items() if any(r.label for r in spans)}
        scored = [self._score(question, form, c, s + (TOP_GUIDELINE_BONUS if _guideline(c) == top else 0.0),
                              recommendations, methods_ok, coverage.of(i), grading) for i, (c, s) in enumerate(ranked)]
        scored.sort(key=lambda r: -r.score)
        asked = _asserted(self.nlp.analyze(question))
        checked = [self._agreement(r, asked) for r in scored[:CHECKED_FOR_CONFLICTS]] if asked else []
        return sorted(checked + scored[len(checked):], key=lambda r: -r.score)

    @staticmethod
    def _score(question: str, form: QuestionForm, candidate: Candidate, score: float,
               recommendations: dict[str, list[GradedSpan]], methods_ok: bool, coverage: float,
               grading: set[str]) -> Ranked:
        score += COVERAGE_WEIGHT * coverage
        reasons = []
        for conflict in population_conflicts(question, candidate.text):
            score -= CONFLICT_PENALTY
            reasons.append(conflict)
        if included := form.includes_excluded(candidate.scored_text):
            score -= CONFLICT_PENALTY
            reasons.append("speaks of what the question excludes: " + ", ".join(included))
        elif form.excludes_too(candidate.scored_text):
            score += AGREEMENT_BONUS
            reasons.append("excludes what the question excludes")
        if form.asks_quantity and states_quantity(candidate.text):
            score += QUANTITY_BONUS
            reasons.append("states the quantity asked for")
        rec = next((r for r in recommendations.get(candidate.hit.chunk_id, [])
                    if r.char_start < candidate.end and candidate.start < r.char_end), None)
        if rec is not None and (rec.label or _guideline(candidate) not in grading):
            score += RECOMMENDATION_BONUS + _grade_bonus(rec)
            reasons.append("recommendation" + (f" ({rec.label})" if rec.label else ""))
        elif rec is not None:  # a guideline that grades its statements left this one ungraded: commentary
            score += UNGRADED_AMONG_GRADED_BONUS
            reasons.append("ungraded, in a guideline that grades its recommendations")
        if not methods_ok and _METHODS.search(candidate.text):
            score -= METHODS_PENALTY
            reasons.append("methods")
        if coverage:
            reasons.append(f"names {coverage:.0%} of the question's distinctive terms")
        return Ranked(candidate, score, tuple(reasons))

    def _agreement(self, ranked: Ranked, asked: dict[str, bool]) -> Ranked:
        said = _asserted(self.nlp.analyze(without_direction(ranked.candidate.text)))
        opposite = sorted(cid for cid, present in said.items() if cid in asked and asked[cid] != present)
        if opposite:
            reason = "asserts the opposite of the question about " + ", ".join(opposite)
            return Ranked(ranked.candidate, ranked.score - CONFLICT_PENALTY, (*ranked.reasons, reason))
        excluded = sorted(cid for cid, present in said.items() if not present and asked.get(cid) is False)
        if excluded:
            reason = "excludes what the question excludes: " + ", ".join(excluded)
            return Ranked(ranked.candidate, ranked.score + AGREEMENT_BONUS, (*ranked.reasons, reason))
        return ranked


class TermCoverage:
    """How much of the question's distinctive wording each candidate sentence contains.

    A term's weight is its inverse document frequency among the candidates themselves — the
    candidates come from the few guidelines retrieval chose, so the condition they all discuss
    weighs little and the detail that singles out one recommendation weighs much — times its
    rarity in the whole corpus when known (a word as common as "keep" singles out nothing), and
    twice that for the thing a "which/what" question asks about.
    """

    def __init__(self, question: str, sentences: list[str], focus: frozenset[str] = frozenset(),
                 rarity: dict[str, float] | None = None) -> None:
        self._sentences = [mentioned(s) for s in sentences]
        df = Counter(t for bag in self._sentences for t in bag)
        n = len(sentences)
        self._weights = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) * (rarity or {}).get(t, 1.0)
                         * (FOCUS_WEIGHT if t in focus else 1.0) for t in terms(question) if df[t]}
        self._total = sum(self._weights.values())

    def of(self, i: int) -> float:
        """Share of the question's term weight that sentence ``i`` contains (0 to 1)."""
        if not self._total:
            return 0.0
        return sum(w for t, w in self._weights.items() if t in self._sentences[i]) / self._total


def without_direction(sentence: str) -> str:
    """The sentence with the negation that makes it a recommendation against something removed."""
    for pattern, replacement in _DIRECTION_NEGATION:
        sentence = pattern.sub(replacement, sentence)
    return sentence


def _grade_bonus(rec: GradedSpan) -> float:
    if not rec.label:
        return 0.0
    return GRADED_BONUS.get(rec.strength or "", GRADED_UNKNOWN_STRENGTH)


def _guideline(candidate: Candidate) -> str | None:
    prov = candidate.hit.provenance
    return prov.guideline_id if prov else None


def _asserted(mentions: list[Mention]) -> dict[str, bool]:
    """Concept id -> whether it is asserted present (False: negated). Other assertions say neither."""
    found: dict[str, bool] = {}
    for m in mentions:
        if m.assertion in ("present", "negated"):
            found.setdefault(m.concept.concept_id, m.assertion == "present")
    return found
