"""Faithfulness of the claim verifier, measured on real data.

    python -m eval.faithfulness perturbations --guidelines ../shared/data/guidelines/ngc-dev --sample 300 [--json]
    python -m eval.faithfulness pubmedqa --corpus .../corpus.jsonl --questions .../dev_questions.jsonl [--json]

perturbations: recommendation sentences from the guidelines, each checked against its own
paragraph as written (must pass), reworded (must pass) and perturbed six ways (must be flagged);
reports the detection rate per kind and the false-alarm rate.
pubmedqa: each question's long answer against its own abstract and against the most similar
other abstract; reports the ROC AUC of the verifier's score.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from ckg.jsonl import read_jsonl
from ckg.nlp.pipeline import get_nlp
from ckg.settings import get_settings
from eval.perturbations import PERTURBATIONS, paraphrase
from ingest.discovery import discover
from ingest.loaders import load_document
from ingest.loaders.pubmedqa import iter_documents
from ingest.recommendations import extract_recommendations
from retrieval.claim_verifier import ClaimVerifier
from retrieval.embeddings import get_embedder
from retrieval.faithfulness import Evidence


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
    return {"pairs": len(scores), "roc_auc": round(_roc_auc(np.array(scores), np.array(labels)), 4)}


def _roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="suite", required=True)
    p = sub.add_parser("perturbations")
    p.add_argument("--guidelines", type=Path, required=True)
    p.add_argument("--sample", type=int, default=300)
    q = sub.add_parser("pubmedqa")
    q.add_argument("--corpus", type=Path, required=True)
    q.add_argument("--questions", type=Path, required=True)
    q.add_argument("--limit", type=int, default=None)
    for s in (p, q):
        s.add_argument("--json", action="store_true")
    args = parser.parse_args()
    check = verifier()
    if args.suite == "perturbations":
        result = perturbation_rates(check, recommendation_cases(args.guidelines, args.sample))
    else:
        result = pubmedqa_auc(check, args.corpus, args.questions, args.limit)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
