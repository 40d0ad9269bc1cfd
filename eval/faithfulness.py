"""Faithfulness suite: the claim verifier, measured on real data (``ckg eval faithfulness``).

perturbations: recommendation sentences from the guidelines, each checked against its own
paragraph as written (must pass), reworded (must pass) and perturbed six ways (must be flagged);
reports the detection rate per kind and the false-alarm rate. A second, harder generator
(``perturbations_hard``: numbers inside ranges and intervals, populations swapped or collapsed,
grade labels changed, the recommending word raised a step, how often or how long changed in words,
faithful shortenings that must pass) runs on two splits of the guidelines:
the tuning split the verifier's rules were written against, and a held-out split (a quarter of the
guidelines, chosen by a hash of their id) reported separately.
pubmedqa: each question's long answer against its own abstract and against the most similar
other abstract, checked claim by claim as answers are; reports the ROC AUC of the verifier's score
(the claims' mean), and of the whole long answer checked as one claim, in the same run.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np

from answering.claim_verifier import ClaimVerifier, split_claims
from answering.faithfulness import Evidence
from ckg.jsonl import read_jsonl
from ckg.nlp.pipeline import ClinicalNLP, get_nlp
from ckg.settings import get_settings
from eval.perturbations import PERTURBATIONS, paraphrase
from eval.perturbations_hard import FAITHFUL_SHORTENINGS, HARD_PERTURBATIONS
from eval.report import Report
from ingest.discovery import discover
from ingest.loaders import load_document
from ingest.loaders.pubmedqa import iter_documents
from ingest.recommendations import extract_recommendations
from retrieval.embeddings import get_embedder


def verifier() -> ClaimVerifier:
    return ClaimVerifier(get_embedder(get_settings().embedding), get_nlp())


Split = Literal["all", "tuning", "held-out"]


def held_out(guideline_id: str) -> bool:
    """A fixed quarter of the guidelines, by a hash of the id (the same on every machine)."""
    return hashlib.sha256(guideline_id.encode()).digest()[0] % 4 == 0


def recommendation_cases(folder: Path, sample: int, split: Split = "all", seed: int = 13) -> list[tuple[str, str]]:
    """(sentence, its paragraph) for a random sample of the folder's recommendation statements."""
    cases = []
    for path in discover([folder]):
        if split != "all" and held_out(path.stem) != (split == "held-out"):
            continue
        doc = load_document(path, path.read_bytes())
        for rec in extract_recommendations(doc, "v", []):
            start = doc.text.rfind("\n", 0, rec.char_start) + 1
            end = doc.text.find("\n", rec.char_end)
            cases.append((rec.text, doc.text[start : end if end >= 0 else len(doc.text)]))
    return random.Random(seed).sample(cases, min(sample, len(cases)))


Perturb = Callable[[str, ClinicalNLP], str | None]


def perturbation_rates(check: ClaimVerifier, cases: list[tuple[str, str]],
                       perturbations: dict[str, Perturb] = PERTURBATIONS,
                       faithful_variants: dict[str, Perturb] | None = None) -> dict[str, object]:
    """Detection per kind of perturbation; false alarms on the sentence as written and on each
    faithful variant (by default a paraphrase)."""
    nlp = check.nlp
    flagged: dict[str, list[bool]] = {kind: [] for kind in perturbations}
    variants = faithful_variants or {"paraphrase": paraphrase}
    alarms: dict[str, list[bool]] = {kind: [] for kind in ("as written", *variants)}
    for sentence, paragraph in cases:
        evidence = [Evidence("e", paragraph, 0, 0, len(paragraph))]
        alarms["as written"].append(check.verify(sentence, evidence).verdict != "supported")
        for kind, make in variants.items():
            variant = make(sentence, nlp)
            if variant is not None and variant != sentence:
                alarms[kind].append(check.verify(variant, evidence).verdict != "supported")
        for kind, perturb in perturbations.items():
            variant = perturb(sentence, nlp)
            if variant is not None and variant != sentence:
                flagged[kind].append(check.verify(variant, evidence).verdict != "supported")
    every_alarm = [a for found in alarms.values() for a in found]
    return {
        "sentences": len(cases),
        "detection": {k: {"rate": round(float(np.mean(v)), 4), "n": len(v)} for k, v in flagged.items() if v},
        "false_alarm": {"rate": round(float(np.mean(every_alarm)), 4), "n": len(every_alarm)},
        "false_alarm_by_variant": {k: {"rate": round(float(np.mean(v)), 4), "n": len(v)}
                                   for k, v in alarms.items() if v},
    }


def hard_perturbation_rates(check: ClaimVerifier, folder: Path, sample: int) -> dict[str, object]:
    """The second generator on the tuning and the held-out split."""
    return {split: perturbation_rates(check, recommendation_cases(folder, sample, split), HARD_PERTURBATIONS,
                                      {"shortened": FAITHFUL_SHORTENINGS})
            for split in ("tuning", "held-out")}


def pubmedqa_auc(check: ClaimVerifier, corpus: Path, questions: Path, limit: int | None) -> dict[str, object]:
    abstracts = {doc.meta.guideline_id: doc.text for doc in iter_documents(corpus)}
    rows = [row for _, row in read_jsonl(questions)][:limit]
    ids = list(abstracts)
    vectors = check.embedder.embed([abstracts[i] for i in ids])
    scores, whole, labels = [], [], []
    for row in rows:
        gold = f"pmid-{row['gold_pmid']}"
        similar = vectors @ vectors[ids.index(gold)]
        similar[ids.index(gold)] = -1.0
        other = ids[int(np.argmax(similar))]  # the closest other abstract: a related topic, a hard negative
        claims = split_claims(row["long_answer"]) or [row["long_answer"]]
        for pmid, label in ((gold, 1), (other, 0)):
            evidence = [Evidence(pmid, abstracts[pmid], 0, 0, len(abstracts[pmid]))]
            # As answers are checked: claim by claim, each against its closest evidence sentence.
            scores.append(float(np.mean([check.verify(claim, evidence).score for claim in claims])))
            whole.append(check.verify(row["long_answer"], evidence).score)
            labels.append(label)
    by_label = {"own abstract": [s for s, y in zip(scores, labels, strict=True) if y],
                "most similar other": [s for s, y in zip(scores, labels, strict=True) if not y]}
    return {"pairs": len(scores), "roc_auc": round(_roc_auc(np.array(scores), np.array(labels)), 4),
            "roc_auc_as_one_claim": round(_roc_auc(np.array(whole), np.array(labels)), 4),
            "scores": {k: [round(x, 4) for x in v] for k, v in by_label.items()}}


def _roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def add_to_report(report: Report, perturbations: dict[str, Any] | None, auc: dict[str, Any] | None,
                  hard: dict[str, Any] | None = None) -> None:
    if perturbations:
        report.heading("Perturbations of real recommendation sentences")
        detection = perturbations["detection"]
        report.text(f"{perturbations['sentences']} sentences, each checked against its own paragraph: the "
                    "perturbed variants must be flagged, the sentence as written and a paraphrase must pass. "
                    f"False alarms: **{perturbations['false_alarm']['rate']:.3f}** "
                    f"(n={perturbations['false_alarm']['n']}).")
        report.table(detection, "perturbation")
        report.bars("perturbation-detection", "Detection rate per perturbation",
                    {"detected": {k: v["rate"] for k, v in detection.items()},
                     "false alarm (faithful)": {"faithful": perturbations["false_alarm"]["rate"]}})
    if hard:
        report.heading("Second generator: harder perturbations, tuning and held-out guidelines")
        report.text("Numbers inside ranges, intervals and thresholds; populations swapped or collapsed (risk groups "
                    "too); grade labels changed, in codes or words; the recommending word raised a step ('should' "
                    "-> 'must'); how often or how long changed in words ('daily' -> 'weekly') — each must be flagged. "
                    "Shortened variants (a trailing qualifier or the examples "
                    "dropped) and the sentences as written must pass.")
        rows: dict[str, dict[str, Any]] = {}
        for split, rates in hard.items():
            for kind, value in rates["detection"].items():
                rows.setdefault(kind, {})[f"{split} detected"] = value["rate"]
                rows[kind][f"{split} n"] = value["n"]
            for kind, value in rates["false_alarm_by_variant"].items():
                rows.setdefault(f"false alarm: {kind}", {})[f"{split} detected"] = value["rate"]
                rows[f"false alarm: {kind}"][f"{split} n"] = value["n"]
        report.table(rows, "perturbation")
    if auc:
        report.heading("PubMedQA long answers")
        report.text(f"Each long answer against its own abstract (label 1) and the most similar other abstract "
                    f"(label 0), checked as answers are, claim by claim (its score the claims' mean): ROC AUC "
                    f"**{auc['roc_auc']:.3f}** on {auc['pairs']} pairs. The whole long answer checked as one "
                    f"claim, same run: {auc['roc_auc_as_one_claim']:.3f}.")
        report.histogram("pubmedqa-verifier-scores", "Verifier score: own abstract vs most similar other",
                         auc["scores"], "verifier score")
