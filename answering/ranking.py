"""Which evidence sentence answers the question: the order an extractive answer quotes them in.

The relevance gate scores how close each sentence is to the question; that decides whether to
answer at all. What to *lead* with needs more: a specialist asks for a recommendation, so

- a sentence that is not a statement never answers: a question (a guideline's own PICO question),
  a heading, a title, a list lead-in or a fragment without a verb;
- a recommendation statement (a ``Recommendation`` node of the graph) is preferred, a graded one
  a little more, over the evidence and commentary around it;
- methods text ("a systematic review ... was undertaken") gives way, unless the question asks
  about methods;
- the guideline retrieval ranked first is preferred a little, so that an answer does not lead
  with another body's recommendation on a neighbouring question;
- a sentence that asserts a clinical concept the opposite way from the question — "patients *not*
  fit for cisplatin" asked, a recommendation for patients who receive it quoted — gives way to
  one that agrees (ConText assertions on both, for the concepts they share).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from answering.gate import Candidate, Relevance
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import ClinicalNLP
from graph.store import GradedSpan

RECOMMENDATION_BONUS = 0.06
GRADED_BONUS = 0.03
TOP_GUIDELINE_BONUS = 0.04  # the guideline retrieval ranked first: keeps the answer to one source's advice
METHODS_PENALTY = 0.12
CONFLICT_PENALTY = 0.15
AGREEMENT_BONUS = 0.05  # both exclude the same concept ("not fit for cisplatin"): the same subgroup
CHECKED_FOR_CONFLICTS = 12  # the best-scoring sentences get the (slower) assertion check

_VERB = re.compile(
    r"\b(is|are|was|were|be|been|being|has|have|had|do|does|did|should|shall|must|may|might|can|could|will|would"
    r"|need|needs|appears?|seems?|remains?|(recommend|suggest|advise|reduce|increase|improve|show|indicate|require"
    r"|support|demonstrate|provide|include|occur|lead|cause|prevent|help|allow|affect|decrease|predict|identify"
    r"|depend|benefit|result|consider|offer|use|refer|perform|obtain|assess|measure|treat|avoid|ensure|discuss"
    r"|give|start|stop|continue|retain|screen|monitor|evaluate|administer|receive|undergo)(s|es|ed|d)?)\b",
    re.IGNORECASE,
)
_NOT_A_STATEMENT = re.compile(r"(\?|:)\s*$")  # a question, or a list lead-in whose items are elsewhere
_ENDS_A_SENTENCE = re.compile(r"[.!][\)\]\"'’”]*\s*$")
# Text about the document rather than the patient: how it was made, what it covers, its history.
_METHODS = re.compile(
    r"\b(systematic(ally)? review(ed)?|literature (search|review)|were searched|was undertaken|were undertaken"
    r"|search strategy|databases? (were|was)|the (panel|committee|working group) (reviewed|met|used)"
    r"|evidence tables?|methodolog|(this|the present|these|the current) (guidelines?|recommendations?|document)"
    r" (provides?|covers?|address(es)?|was|were|is|are|focus(es)?|updates?)|(were|was) first addressed)",
    re.IGNORECASE,
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
        scored = [self._score(c, s + (TOP_GUIDELINE_BONUS if _guideline(c) == top else 0.0), recommendations,
                              methods_ok) for c, s in ranked]
        scored.sort(key=lambda r: -r.score)
        asked = _asserted(self.nlp.analyze(question))
        checked = [self._agreement(r, asked) for r in scored[:CHECKED_FOR_CONFLICTS]] if asked else []
        return sorted(checked + scored[len(checked):], key=lambda r: -r.score)

    @staticmethod
    def _score(candidate: Candidate, score: float, recommendations: dict[str, list[GradedSpan]],
               methods_ok: bool) -> Ranked:
        reasons = []
        rec = next((r for r in recommendations.get(candidate.hit.chunk_id, [])
                    if r.char_start < candidate.end and candidate.start < r.char_end), None)
        if rec is not None:
            score += RECOMMENDATION_BONUS + (GRADED_BONUS if rec.label else 0.0)
            reasons.append("recommendation" + (f" ({rec.label})" if rec.label else ""))
        if not methods_ok and _METHODS.search(candidate.text):
            score -= METHODS_PENALTY
            reasons.append("methods")
        return Ranked(candidate, score, tuple(reasons))

    def _agreement(self, ranked: Ranked, asked: dict[str, bool]) -> Ranked:
        said = _asserted(self.nlp.analyze(ranked.candidate.text))
        opposite = sorted(cid for cid, present in said.items() if cid in asked and asked[cid] != present)
        if opposite:
            reason = "asserts the opposite of the question about " + ", ".join(opposite)
            return Ranked(ranked.candidate, ranked.score - CONFLICT_PENALTY, (*ranked.reasons, reason))
        excluded = sorted(cid for cid, present in said.items() if not present and asked.get(cid) is False)
        if excluded:
            reason = "excludes what the question excludes: " + ", ".join(excluded)
            return Ranked(ranked.candidate, ranked.score + AGREEMENT_BONUS, (*ranked.reasons, reason))
        return ranked


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
