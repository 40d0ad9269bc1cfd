"""Checking a draft: each sentence against what it cites, then the policy for what fails.

Whatever drafted it, a sentence the verifier cannot support is removed or marked
(``generation.unsupported``); when nothing supported is left the system abstains rather than
answer without evidence. Citations are numbered here, in the order the answer first uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from answering.answer import ABSTAIN_MESSAGE, UNSUPPORTED_MARK, Answer, AnswerSentence, Citation, Faithfulness
from answering.draft import Cited, Draft, DraftSentence
from answering.faithfulness import Evidence, Verdict, Verifier, overall


def abstention(question: str, reason: str, verifier: str, removed: int = 0) -> Answer:
    """The answer that gives no recommendation, and says why."""
    return Answer(question, ABSTAIN_MESSAGE, True, [], [], Faithfulness("supported", 0, 0, verifier, removed), {},
                  reason)


@dataclass
class DraftChecker:
    verifier: Verifier
    unsupported: Literal["remove", "mark"]

    def check(self, question: str, draft: Draft, generator: str) -> Answer:
        sentences: list[AnswerSentence] = []
        citations: dict[tuple[str, int, int], Citation] = {}
        verdicts: list[Verdict] = []
        removed = 0
        for drafted in draft.sentences:
            verdict = self.verify(drafted)
            if verdict.verdict == "unsupported" and self.unsupported == "remove":
                removed += 1
                continue
            numbers = [_citation(citations, cited).n for cited in drafted.cites]
            verdicts.append(verdict)
            sentences.append(AnswerSentence(drafted.text, numbers, verdict.verdict, verdict.score, verdict.reasons))
        verifier = f"{self.verifier.name}+{generator}"
        if not any(v.verdict != "unsupported" for v in verdicts):
            reason = ("no answer sentence is supported by the evidence it cites" if draft.sentences
                      else draft.declined or "the generator wrote no answer")
            return abstention(question, reason, verifier, removed)
        faith = Faithfulness(overall(verdicts), sum(v.verdict == "supported" for v in verdicts), len(verdicts),
                             verifier, removed)
        return Answer(question, render(sentences), False, sentences, list(citations.values()), faith, {})

    def verify(self, draft: DraftSentence) -> Verdict:
        if draft.problems or not draft.cites:
            return Verdict("unsupported", 0.0, list(draft.problems) or ["cites no evidence"])
        evidence = []
        for cited in draft.cites:
            prov = cited.hit.provenance
            assert prov is not None
            evidence.append(Evidence(prov.chunk_id, prov.text, prov.char_start, cited.start, cited.end))
        return self.verifier.verify(draft.text, evidence)


def _citation(citations: dict[tuple[str, int, int], Citation], cited: Cited) -> Citation:
    prov = cited.hit.provenance
    assert prov is not None
    key = (prov.chunk_id, cited.start, cited.end)
    if key not in citations:
        quote = prov.text[cited.start - prov.char_start : cited.end - prov.char_start]
        citations[key] = Citation(len(citations) + 1, prov.chunk_id, prov.guideline_id, prov.version_id,
                                  prov.title, prov.section, cited.start, cited.end, quote)
    return citations[key]


def render(sentences: list[AnswerSentence]) -> str:
    parts = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        flag = f" {UNSUPPORTED_MARK}" if s.verdict == "unsupported" else ""
        parts.append(f"{s.text} {marks}{flag}".strip())
    return " ".join(parts)
