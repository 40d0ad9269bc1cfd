"""A text's content terms: lower-cased words without English stop words, Snowball-stemmed (the
same analysis BM25 uses), for comparing a question's wording with an evidence sentence's.

British spellings are read as American ones first ("hospitalised", "tumour", "paediatric"): a
clinician types one, a guideline from the other side of the Atlantic writes the other.
"""

from __future__ import annotations

import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(STOPWORDS_EN)
_STEMMER = Stemmer.Stemmer("english")
# Clinical words the general list lacks.
_CLINICAL_BRITISH = {"oedema": "edema", "apnoea": "apnea", "coeliac": "celiac", "ischaemia": "ischemia",
                     "ischaemic": "ischemic", "haematoma": "hematoma", "haematuria": "hematuria",
                     "oesophagus": "esophagus", "oesophageal": "esophageal", "dyspnoea": "dyspnea",
                     "haemodialysis": "hemodialysis", "haemostasis": "hemostasis", "haemostatic": "hemostatic"}
_AMERICAN = {**BRITISH_ENGLISH_SPELLINGS, **_CLINICAL_BRITISH}


def terms(text: str) -> set[str]:
    words = [_AMERICAN.get(w, w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    return set(_STEMMER.stemWords(words))


def stem(word: str) -> str:
    return str(_STEMMER.stemWord(_AMERICAN.get(word, word)))
