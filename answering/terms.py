"""A text's content terms: lower-cased words without English stop words, Snowball-stemmed (the
same analysis BM25 uses), for comparing a question's wording with an evidence sentence's."""

from __future__ import annotations

import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(STOPWORDS_EN)
_STEMMER = Stemmer.Stemmer("english")


def terms(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    return set(_STEMMER.stemWords(words))


def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))
