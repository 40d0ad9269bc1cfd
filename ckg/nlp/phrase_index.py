"""Concept phrases found in a text's tokens: a dictionary of lower-case token sequences.

Tens of thousands of condition and phenotype phrases are looked up per text. spaCy's
PhraseMatcher (what medspaCy's TargetMatcher builds on) keeps a Doc per phrase: seconds to build
in every process that starts and ~0.3 GB held. A dictionary from token sequences to concepts,
built from the same tokenizer's output, finds the same phrases in a fraction of that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class PhraseHit:
    start: int  # token index
    end: int
    label: str
    concept_id: str


class PhraseIndex:
    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], str, str]]) -> None:
        """``phrases``: (lower-case tokens, label, concept id); the first entry for a sequence wins."""
        self._phrases: dict[tuple[str, ...], tuple[str, str]] = {}
        for tokens, label, concept_id in phrases:
            if tokens:
                self._phrases.setdefault(tokens, (label, concept_id))
        self._first_tokens = {tokens[0] for tokens in self._phrases}
        self._longest = max(map(len, self._phrases), default=0)

    def __len__(self) -> int:
        return len(self._phrases)

    def find(self, lowered: list[str]) -> Iterator[PhraseHit]:
        """Every phrase at every position (overlaps included: the caller keeps the longest)."""
        for start, token in enumerate(lowered):
            if token not in self._first_tokens:
                continue
            for end in range(start + 1, min(start + self._longest, len(lowered)) + 1):
                hit = self._phrases.get(tuple(lowered[start:end]))
                if hit is not None:
                    yield PhraseHit(start, end, *hit)
