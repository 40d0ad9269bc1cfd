"""Abbreviations a guideline defines, so that its short forms can be read as their long forms.

A clinician types "therapeutic drug monitoring" where the guideline, having written it out once
as "therapeutic drug monitoring (TDM)", says "TDM" from then on. Definitions are found with the
Schwartz-Hearst algorithm (the ``abbreviations`` package) in the guideline's own text, so an
expansion never comes from another document.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from types import ModuleType

MAX_SHORT_FORM = 10


@cache
def _schwartz_hearst() -> ModuleType:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from abbreviations import schwartz_hearst

    # The package calls logging.basicConfig on import: undo it, and keep its debug lines (which
    # quote the text) out of the logs.
    root.handlers[:], root.level = handlers, level
    logging.getLogger(schwartz_hearst.__name__).setLevel(logging.WARNING)
    return schwartz_hearst


def definitions(texts: Iterable[str]) -> dict[str, str]:
    """Short form -> long form, for the abbreviations the texts define."""
    found: dict[str, str] = {}
    for text in texts:
        for short, long in _defined_in(text):
            found.setdefault(short, long)
    return found


@lru_cache(maxsize=8192)
def _defined_in(text: str) -> tuple[tuple[str, str], ...]:
    """One passage's definitions; cached, as the same passages are retrieved question after question."""
    if "(" not in text:
        return ()
    pairs = _schwartz_hearst().extract_abbreviation_definition_pairs(doc_text=text)
    return tuple((short, " ".join(long.split())) for short, long in pairs.items() if len(short) <= MAX_SHORT_FORM)


def expand(text: str, defined: dict[str, str]) -> str:
    """The text with each defined short form followed, or replaced, by its long form once more
    ("TDM" -> "therapeutic drug monitoring (TDM)"); a definition already written out stays."""
    if not defined:
        return text
    pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in sorted(defined, key=len, reverse=True)) + r")\b")

    def spelled_out(match: re.Match[str]) -> str:
        short = match.group(1)
        before = text[max(0, match.start() - len(defined[short]) - 3) : match.start()]
        return short if defined[short].lower() in before.lower() else f"{defined[short]} ({short})"

    return pattern.sub(spelled_out, text)
