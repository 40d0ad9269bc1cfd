"""Faithfulness suite: the claim verifier, measured on real data (``ckg eval faithfulness``).

perturbations: recommendation sentences from the guidelines, each checked against its own
paragraph as written (must pass), reworded (must pass) and perturbed six ways (must be flagged);
reports the detection rate per kind and the false-alarm rate.
pubmedqa: each question's long answer against its own abstract and against the most similar
other abstract; reports the ROC AUC of the verifier's score.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from answering.claim_verifier import ClaimVerifier
from answering.faithfulness import Evidence
from ckg.jsonl import read_jsonl
from ckg.nlp.pipeline import get_nlp
from ckg.settings import get_settings
from eval.perturbations import PERTURBATIONS, paraphrase
from eval.report import Report
from ingest.discovery import discover
from ingest.loaders import load_document
from ingest.loaders.pubmedqa import iter_documents
from ingest.recommendations import extract_recommendations
from retrieval.embeddings import get_embedder


def verifier() -> ClaimVerifier:
    return ClaimVerifier(get_embedder(get_settings().embedding), get_nlp())


def recommendation_cases(folder: Path, sample: int, seed: int = 13) -> list[tuple[str, str]]:
    """(sentence, its paragraph) for a random sample of the folder's recommendation statements."""
    cases = []
    for path in discover([folder]):
        doc = load_document(path, path.read_bytes())
        for rec in extract_recommendations(doc, "v", []):
            start = doc.text.rfind("\n", 0, rec.char_start) + 1
            end = doc.text.find("\n", rec.char_end)
            cases.append((rec.text, doc.text[start : end if end >= 0 else len(doc.text)]))
    return random.Random(seed).sample(cases, min(sample, len(cases)))


def perturbation_rates(check: ClaimVerifier, cases: list[tuple[str, str]]) -> dict[str, object]:
    nlp = check.nlp
    flagged: dict[str, list[bool]] = {kind: [] for kind in PERTURBATIONS}
    false_alarms, faithful = 0, 0
    for sentence, paragraph in cases:
        evidence = [Evidence("e", paragraph, 0, 0, len(paragraph))]
        for variant in (sentence, paraphrase(sentence, nlp)):
            if variant is not None:
                faithful += 1
                false_alarms += check.verify(variant, evidence).verdict != "supported"
        for kind, perturb in PERTURBATIONS.items():
            variant = perturb(sentence, nlp)
            if variant is not None and variant != sentence:
                flagged[kind].append(check.verify(variant, evidence).verdict != "supported")
    return {
        "sentences": len(cases),
        "detection": {k: {"rate": round(float(np.mean(v)), 4), "n": len(v)} for k, v in flagged.items() if v},
        "false_alarm": {"rate": round(false_alarms / faithful, 4), "n": faithful},
    }


def pubmedqa_auc(check: ClaimVerifier, corpus: Path, questions: Path, limit: int | None) -> dict[str, object]:
    abstracts = {doc.meta.guideline_id: doc.text for doc in iter_documents(corpus)}
    rows = [row for _, row in read_jsonl(questions)][:limit]
    ids = list(abstracts)
    vectors = check.embedder.embed([abstracts[i] for i in ids])
    scores, labels = [], []
    for row in rows:
        gold = f"pmid-{row['gold_pmid']}"
        similar = vectors @ vectors[ids.index(gold)]
        similar[ids.index(gold)] = -1.0
        other = ids[int(np.argmax(similar))]  # the closest other abstract: a related topic, a hard negative
        for pmid, label in ((gold, 1), (other, 0)):
            text = abstracts[pmid]
            scores.append(check.verify(row["long_answer"], [Evidence(pmid, text, 0, 0, len(text))]).score)
            labels.append(label)
    by_label = {"own abstract": [s for s, y in zip(scores, labels, strict=True) if y],
                "most similar other": [s for s, y in zip(scores, labels, strict=True) if not y]}
    return {"pairs": len(scores), "roc_auc": round(_roc_auc(np.array(scores), np.array(labels)), 4),
            "scores": {k: [round(x, 4) for x in v] for k, v in by_label.items()}}


def _roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def add_to_report(report: Report, perturbations: dict[str, Any] | None, auc: dict[str, Any] | None) -> None:
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
    if auc:
        report.heading("PubMedQA long answers")
        report.text(f"Each long answer against its own abstract (label 1) and the most similar other abstract "
                    f"(label 0): ROC AUC **{auc['roc_auc']:.3f}** on {auc['pairs']} pairs.")
        report.histogram("pubmedqa-verifier-scores", "Verifier score: own abstract vs most similar other",
                         auc["scores"], "verifier score")
