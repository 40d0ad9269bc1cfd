"""Faithfulness checking: each answer sentence against the evidence it cites.

``Verifier`` is the plug-in point for stronger checks (NLI, LLM judges); the default here is
exact: an extractive sentence is supported only if it occurs verbatim in the cited chunk
and the citation's span points at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ckg.text import normalise_inline

VerdictLabel = Literal["supported", "partial", "unsupported"]


@dataclass(frozen=True)
class Evidence:
    chunk_id: str
    chunk_text: str
    chunk_start: int  # document offset of chunk_text[0]
    char_start: int  # the cited span, document offsets
    char_end: int


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictLabel
    score: float
    reasons: list[str] = field(default_factory=list)


class Verifier(Protocol):
    name: str

    def verify(self, claim: str, evidence: Sequence[Evidence]) -> Verdict: ...


class ExactSpanVerifier:
    """Supported iff the claim is the cited span, word for word, inside the cited chunk."""

    name = "exact-span"

    def verify(self, claim: str, evidence: Sequence[Evidence]) -> Verdict:
        if not evidence:
            return Verdict("unsupported", 0.0, ["cites no evidence"])
        wanted = normalise_inline(claim)
        for ev in evidence:
            span = ev.chunk_text[ev.char_start - ev.chunk_start : ev.char_end - ev.chunk_start]
            if normalise_inline(span) == wanted:
                return Verdict("supported", 1.0, [f"verbatim in {ev.chunk_id} at {ev.char_start}-{ev.char_end}"])
            if wanted and wanted in normalise_inline(ev.chunk_text):
                return Verdict("supported", 1.0, [f"verbatim in {ev.chunk_id} (span offsets differ)"])
        return Verdict("unsupported", 0.0, ["not found verbatim in any cited chunk"])


def overall(verdicts: Sequence[Verdict]) -> VerdictLabel:
    supported = sum(v.verdict == "supported" for v in verdicts)
    if verdicts and supported == len(verdicts):
        return "supported"
    return "unsupported" if supported == 0 else "partial"
