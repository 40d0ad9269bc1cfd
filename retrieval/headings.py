"""Find the MeSH headings the corpus is indexed under in a question's words.

Headings are stored inverted ("Intubation, Intratracheal"); questions say "intratracheal
intubation", so both orders match, as whole words, case-insensitively. The vocabulary is the
headings the graph holds, so it grows with the corpus and needs no MeSH download.
"""

from __future__ import annotations

import re

from ckg.nlp.concepts import Concept, Mention

MIN_CHARS = 5  # "Male", "Aged" and other short tags are too common in prose to mean the heading


class HeadingMatcher:
    def __init__(self, headings: dict[str, str]) -> None:
        self._concepts = {
            cid: Concept(cid, name, "MeSH", name, "heading") for cid, name in headings.items() if len(name) >= MIN_CHARS
        }
        by_phrase: dict[str, str] = {}
        for cid, concept in self._concepts.items():
            for phrase in _phrases(concept.name):
                by_phrase.setdefault(phrase, cid)
        alternatives = "|".join(re.escape(p) for p in sorted(by_phrase, key=len, reverse=True))
        self._pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE) if by_phrase else None
        self._by_phrase = by_phrase

    def find(self, text: str) -> list[Mention]:
        if self._pattern is None:
            return []
        return [
            Mention(self._concepts[self._by_phrase[m.group(0).lower()]], m.start(), m.end(), m.group(0), "present")
            for m in self._pattern.finditer(text)
        ]


def _phrases(heading: str) -> set[str]:
    """The heading as written and, when inverted ("Disease, Chronic"), in natural order."""
    lower = heading.lower()
    parts = [p.strip() for p in lower.split(",")]
    return {lower, " ".join(reversed(parts))} if len(parts) == 2 else {lower}
