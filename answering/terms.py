"""A text's content terms: lower-cased words without English stop words, Snowball-stemmed (the
same analysis BM25 uses), for comparing a question's wording with an evidence sentence's.

The stop words are Lucene's short English list plus the words a question is built from and that
say nothing about its subject: interrogatives, pronouns, auxiliaries and modals ("what should I
do ...", "can we ..."). Without them a clinician's "What should I ...?" counted its "what", "should"
and "I" among the key terms the evidence failed to mention.

A clinician's word and a guideline's often differ where a stemmer cannot see it: "baby" and
"neonate", "kidney" and "renal", "x-ray" and "radiograph", "children" and "paediatric". Such words
share one term (``_SAME_THING``: lay and clinical names of the same thing, and plural forms the
stemmer leaves apart).

British spellings are read as American ones first ("hospitalised", "tumour", "paediatric"): a
clinician types one, a guideline from the other side of the Atlantic writes the other.
"""

from __future__ import annotations

import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

_WORD = re.compile(r"[a-z0-9]+")
_QUESTION_WORDS = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "i", "me", "my", "we", "us", "our",
    "you", "your", "he", "she", "him", "her", "his", "its", "them", "do", "does", "did", "done", "doing", "have",
    "has", "had", "having", "been", "being", "am", "were", "should", "would", "shall", "can", "could", "may",
    "might", "must", "ought",
})
_STOPWORDS = frozenset(STOPWORDS_EN) | _QUESTION_WORDS
_STEMMER = Stemmer.Stemmer("english")
# Clinical words the general list lacks.
_CLINICAL_BRITISH = {"oedema": "edema", "apnoea": "apnea", "coeliac": "celiac", "ischaemia": "ischemia",
                     "ischaemic": "ischemic", "haematoma": "hematoma", "haematuria": "hematuria",
                     "oesophagus": "esophagus", "oesophageal": "esophageal", "dyspnoea": "dyspnea",
                     "haemodialysis": "hemodialysis", "haemostasis": "hemostasis", "haemostatic": "hemostatic"}
_AMERICAN = {**BRITISH_ENGLISH_SPELLINGS, **_CLINICAL_BRITISH}


_SAME_THING = (
    "child children childhood paediatric pediatric kids",
    "baby babies infant infants newborn newborns neonate neonates neonatal", "woman women female females",
    "man men male males", "elderly older", "first initial", "every all",
    "operation operations surgery surgical operative", "kidney kidneys renal", "heart cardiac",
    "lung lungs pulmonary", "liver hepatic", "brain cerebral", "skin cutaneous dermal", "stomach gastric",
    "bowel bowels intestine intestines intestinal", "doctor doctors physician physicians clinician clinicians",
    "pregnancy pregnant antenatal prenatal", "painkiller painkillers analgesic analgesics analgesia",
    "jab jabs vaccine vaccines vaccination immunisation immunization", "xray radiograph radiographs radiography",
    "medicine medicines medication medications drug drugs",
)
_CANONICAL = {str(_STEMMER.stemWord(_AMERICAN.get(w, w))): str(_STEMMER.stemWord(group.split()[0]))
              for group in _SAME_THING for w in group.split()}


def terms(text: str) -> set[str]:
    words = [_AMERICAN.get(w, w) for w in _WORD.findall(text.lower().replace("x-ray", "xray")) if w not in _STOPWORDS]
    return {_CANONICAL.get(t, t) for t in _STEMMER.stemWords(words)}


def stem(word: str) -> str:
    stemmed = str(_STEMMER.stemWord(_AMERICAN.get(word, word)))
    return _CANONICAL.get(stemmed, stemmed)
