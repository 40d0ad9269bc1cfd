"""The default verifier for free-text claims (LLM answers, `ckg verify`): works offline.

A claim is compared with the evidence sentence most similar to it (sentence embeddings), then
put through the deterministic checks in ``claim_checks``. Any failed check makes the claim
unsupported whatever its similarity; with none failing, similarity decides between supported,
partial and unsupported. The score grades the support for ranking and review: the closest
sentence's similarity averaged with the share of the claim's content terms the evidence contains
(an embedding alone finds a related abstract about as close as the right one; the words say
which one states the claim), less a little per failed check. Stronger judges (NLI, an LLM) may
be added beside it later; they add evidence and never override the checks on numbers and negation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from answering import claim_checks
from answering.faithfulness import Evidence, Verdict
from answering.terms import terms
from ckg.nlp.pipeline import ClinicalNLP
from ckg.text import sentence_spans
from retrieval.embeddings import Embedder

_CLAUSE_SPLIT = re.compile(r";\s+|,\s+(?:but|whereas|while)\s+")
CHECK_PENALTY = 0.05  # per failed check, off the score: the verdict already says unsupported
MIN_QUOTED_WORDS = 4  # a shortened quote shorter than this is a fragment, not a claim
# Words whose omission changes what the rest of a sentence says.
_RESTRICTING = frozenset({"unless", "except", "only", "not", "no", "never", "without", "nor", "cannot", "neither",
                          "nonetheless", "however", "but"})


@dataclass
class ClaimVerifier:
    embedder: Embedder
    nlp: ClinicalNLP
    supported_at: float = 0.75
    partial_at: float = 0.55
    name: str = "claim-checks"

    def verify(self, claim: str, evidence: Sequence[Evidence]) -> Verdict:
        sentences = [s for ev in evidence for s in _sentences(ev.chunk_text)]
        if not sentences:
            return Verdict("unsupported", 0.0, ["cites no evidence"])
        vectors = self.embedder.embed([claim, *sentences])
        similarities = vectors[1:] @ vectors[0]
        # Word overlap breaks near-ties between sentences that differ in one decisive word.
        best = int(np.argmax(similarities + 0.5 * np.array([_overlap(claim, s) for s in sentences])))
        similarity = float(similarities[best])
        note = sentences[best + 1] if best + 1 < len(sentences) else ""
        everything = " ".join(sentences)
        reasons = self._failures(claim, sentences[best], everything, note)
        support = (similarity + _coverage(claim, everything)) / 2
        if reasons:
            return Verdict("unsupported", round(max(0.0, support - CHECK_PENALTY * len(reasons)), 3), reasons)
        if similarity >= self.supported_at:
            return Verdict("supported", round(support, 3), [f"matches evidence (similarity {similarity:.2f})"])
        if shortened_quote(claim, sentences[best]):
            return Verdict("supported", round(support, 3), ["quotes the evidence with a part left out"])
        if similarity >= self.partial_at:
            return Verdict("partial", round(support, 3), [f"only partly matches evidence ({similarity:.2f})"])
        return Verdict("unsupported", round(support, 3), [f"no evidence sentence says this ({similarity:.2f})"])

    def _failures(self, claim: str, best_sentence: str, all_evidence: str, following: str) -> list[str]:
        claim_mentions = self.nlp.analyze(claim)
        best_mentions = self.nlp.analyze(best_sentence)
        return [
            *claim_checks.numbers(claim, all_evidence, best_sentence),
            *claim_checks.intervals(claim, all_evidence),
            *claim_checks.negation(claim, best_sentence, claim_mentions, best_mentions),
            *claim_checks.concepts(self.nlp, claim_mentions, self.nlp.analyze(all_evidence)),
            *claim_checks.unidentified_drugs(claim, all_evidence),
            *claim_checks.populations(claim, best_sentence, all_evidence),
            *claim_checks.strength(claim, best_sentence, following),
        ]


@dataclass
class SentenceVerifier:
    """Checks an answer sentence claim by claim; the sentence is as good as its weakest claim."""

    claims: ClaimVerifier
    name: str = "claim-checks"

    def verify(self, sentence: str, evidence: Sequence[Evidence]) -> Verdict:
        verdicts = [self.claims.verify(claim, evidence) for claim in split_claims(sentence) or [sentence]]
        worst = min(verdicts, key=lambda v: (_RANK[v.verdict], v.score))
        reasons = list(dict.fromkeys(r for v in verdicts if v.verdict != "supported" for r in v.reasons))
        return Verdict(worst.verdict, worst.score, reasons or worst.reasons)


_RANK = {"unsupported": 0, "partial": 1, "supported": 2}


def split_claims(answer: str) -> list[str]:
    """Sentences, and the clauses of sentences that join several statements."""
    claims: list[str] = []
    for line in answer.split("\n"):
        for a, b in sentence_spans(line):
            parts = [p.strip() for p in _CLAUSE_SPLIT.split(line[a:b])]
            claims.extend(p for p in parts if len(p.split()) >= 3)
    return claims


_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' words."""
    wa, wb = set(_WORDS.findall(a.lower())), set(_WORDS.findall(b.lower()))
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def shortened_quote(claim: str, sentence: str) -> bool:
    """The claim is the sentence with words left out, none of them one that restricts or negates
    what is left ("unless", "only", "not"): it says less than the sentence, nothing else. A short
    quote of a long sentence embeds far from it, so similarity alone calls it unsupported."""
    said, words = _WORDS.findall(claim.lower()), _WORDS.findall(sentence.lower())
    if len(said) < MIN_QUOTED_WORDS or len(said) >= len(words):
        return False
    left_out, i = [], 0
    for word in words:
        if i < len(said) and word == said[i]:
            i += 1
        else:
            left_out.append(word)
    return i == len(said) and not _RESTRICTING.intersection(left_out)


def _coverage(claim: str, evidence: str) -> float:
    """Share of the claim's content terms (stemmed, stop words out) that the evidence contains."""
    said = terms(claim)
    return len(said & terms(evidence)) / len(said) if said else 1.0


def _sentences(text: str) -> list[str]:
    return [line[a:b] for line in text.split("\n") for a, b in sentence_spans(line)]
