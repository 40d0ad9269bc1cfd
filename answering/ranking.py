"""Which evidence sentence answers the question: the order an extractive answer quotes them in.

The relevance gate scores how close each sentence is to the question; that decides whether to
answer at all. What to *lead* with needs more. A sentence that is not a statement never answers:
a question (a guideline's own PICO question), a heading, a title, or a fragment without a verb.
A list lead-in ("... in people aged 60 and over with weight loss and any of the following:") is
quoted with its items, never without them. Every other sentence is scored by the features of
``answering.ranking_features`` (recommendation, grade, wording, coverage of the question,
population, stated ranges, ...) weighed by ``answering.ranking_model``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from answering.gate import Candidate, Relevance
from answering.ranking_features import (
    QuestionReading,
    Scored,
    asserted,
    features,
    with_assertions,
    with_reading,
    without_direction,
)
from answering.ranking_model import WEIGHTS, RankingModel
from answering.reader import Reader
from ckg.nlp.pipeline import ClinicalNLP

CHECKED_FOR_CONFLICTS = 12  # the best-scoring sentences get the (slower) assertion check
READ = 15  # the best-scoring sentences a configured reader reads (a cross-encoder: ~10 ms a sentence on CPU)
MAX_LIST_ITEMS = 12

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
_LEAD_IN = re.compile(r":\s*$")
# A list item ends the list when it closes like a sentence or with a NICE-style "[new 2015]" note.
_ENDS_A_LIST = re.compile(r"([.!]|\[[^\]]*\d{4}[^\]]*\])[\)\]\"'’”]*\s*$")
_ITEM_WORDS = 25  # a longer line is a paragraph of its own, not an item


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


def with_items(candidate: Candidate) -> Candidate:
    """A list lead-in ending in ":" extended over the items that follow it in its passage (the
    lines up to one that closes the list); unchanged when it is no lead-in or no items follow."""
    prov = candidate.hit.provenance
    if prov is None or not _LEAD_IN.search(candidate.text):
        return candidate
    offset = candidate.end - prov.char_start
    rest_of_line, newline, following = prov.text[offset:].partition("\n")
    if rest_of_line.strip() or not newline:
        return candidate  # the lead-in does not end its line: no items below it
    end, items = offset + len(rest_of_line), 0
    for line in following.split("\n")[:MAX_LIST_ITEMS]:
        if not line.strip() or len(line.split()) > _ITEM_WORDS or _LEAD_IN.search(line):
            break
        end += 1 + len(line)
        items += 1
        if _ENDS_A_LIST.search(line):
            break
    if not items:
        return candidate
    added = prov.text[offset:end]
    return replace(candidate, end=candidate.end + len(added), text=candidate.text + added,
                   reading=candidate.scored_text + added)


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
    model: RankingModel = WEIGHTS
    reader: Reader | None = None  # scores whether a sentence answers the question; none by default

    def rank(self, question: str, relevance: Relevance) -> list[Ranked]:
        """Statements only, best answer first."""
        return [Ranked(s.candidate, self.model.score(s.features), s.reasons)
                for s in self.scored(question, relevance)]

    def scored(self, question: str, relevance: Relevance) -> list[Scored]:
        """Every statement with its features, best first by the model."""
        extended = ((i, with_items(relevance.candidates[i])) for i in relevance.order())
        ranked = [(i, c) for i, c in extended if is_statement(c.text)]
        if not ranked:
            return []
        reading = QuestionReading.of(question)
        found = sorted(features(reading, ranked, relevance), key=lambda s: -self.model.score(s.features))
        asked = asserted(self.nlp.analyze(question))
        if asked:
            found[:CHECKED_FOR_CONFLICTS] = [
                with_assertions(s, asked, self.nlp.analyze(without_direction(s.candidate.text)))
                for s in found[:CHECKED_FOR_CONFLICTS]]
        if self.reader is not None:
            found.sort(key=lambda s: -self.model.score(s.features))
            found[:READ] = with_reading(found[:READ], self.reader.scores(question, [
                s.candidate.text for s in found[:READ]]))
        return sorted(found, key=lambda s: -self.model.score(s.features))

