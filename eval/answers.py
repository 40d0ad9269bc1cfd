"""Answers suite: for each question, the full pipeline's answer judged on what a clinician needs.

- faithfulness: the answerer's own verdicts (supported sentences / sentences);
- citation precision (support): each (sentence, cited passage) pair checked again, alone, by the
  claim verifier — does that passage support that sentence?
- citation precision (gold): the share of citations drawn from the question's own document;
- citation recall: the share of answer sentences that cite something (every answer sentence
  states a fact, so every one needs a citation), the share of answers citing the gold, and the
  share whose first sentence is quoted from the gold;
- abstention rate, and latency p50/p95 of each stage (retrieve, answer, verify, total).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from answering.claim_verifier import ClaimVerifier
from answering.faithfulness import Evidence
from ckg.nlp.pipeline import get_nlp
from eval.datasets import Dataset
from eval.metrics import percentiles
from eval.report import Report
from runtime.system import System


def evaluate(system: System, dataset: Dataset) -> dict[str, object]:
    checker = ClaimVerifier(system.embedder, get_nlp())
    stages: dict[str, list[float]] = defaultdict(list)
    answered = abstained = sentences = supported = cited_sentences = gold_cited = gold_first = 0
    support, from_gold, scores = [], [], []
    system.ask(dataset.queries[0].text)  # warm-up: the first query loads models and caches
    for q in dataset.queries:
        answer = system.ask(q.text)
        for stage, ms in answer.timings_ms.items():
            stages[stage].append(ms)
        if answer.abstained:
            abstained += 1
            continue
        answered += 1
        citations = {c.n: c for c in answer.citations}
        gold_cited += any(c.guideline_id == q.gold for c in answer.citations)
        first = answer.sentences[0].citations[0] if answer.sentences and answer.sentences[0].citations else None
        gold_first += first is not None and citations[first].guideline_id == q.gold
        from_gold += [c.guideline_id == q.gold for c in answer.citations]
        for sentence in answer.sentences:
            sentences += 1
            supported += sentence.verdict == "supported"
            cited_sentences += bool(sentence.citations)
            scores.append(sentence.score)
            for n in sentence.citations:
                c = citations[n]
                evidence = [Evidence(c.chunk_id, c.quote, c.char_start, c.char_start, c.char_end)]
                support.append(checker.verify(sentence.text, evidence).verdict == "supported")
    n = len(dataset.queries)
    return {
        "questions": n,
        "generator": system.pipeline.generator.name,
        "unsupported_policy": system.pipeline.checker.unsupported,
        "answered": answered,
        "abstention_rate": _ratio(abstained, n),
        "faithfulness": {"supported_sentences": _ratio(supported, sentences), "sentences": sentences,
                         "mean_sentence_score": round(float(np.mean(scores)), 4) if scores else 0.0},
        "citation_precision": {"support": _mean(support), "gold_document": _mean(from_gold), "citations": len(support)},
        "citation_recall": {"sentences_cited": _ratio(cited_sentences, sentences),
                            "answers_citing_gold": _ratio(gold_cited, answered),
                            "answers_leading_with_gold": _ratio(gold_first, answered)},
        "latency": {stage: percentiles(values) for stage, values in stages.items()},
    }


def add_to_report(report: Report, dataset: Dataset, result: dict[str, object]) -> None:
    report.heading(dataset.name)
    report.text(f"{result['questions']} questions, generator `{result['generator']}`, unsupported sentences: "
                f"`{result['unsupported_policy']}`; {result['answered']} answered, abstention rate "
                f"{result['abstention_rate']:.3f}.")
    f, p, r = result["faithfulness"], result["citation_precision"], result["citation_recall"]
    assert isinstance(f, dict) and isinstance(p, dict) and isinstance(r, dict)
    report.table({
        "faithfulness: sentences the verifier supports": {"value": f["supported_sentences"], "n": f["sentences"]},
        "faithfulness: mean sentence score": {"value": f["mean_sentence_score"], "n": f["sentences"]},
        "citation precision: cited passage supports its sentence": {"value": p["support"], "n": p["citations"]},
        "citation precision: citation from the gold document": {"value": p["gold_document"], "n": p["citations"]},
        "citation recall: sentences that cite evidence": {"value": r["sentences_cited"], "n": f["sentences"]},
        "citation recall: answers citing the gold document": {"value": r["answers_citing_gold"],
                                                             "n": result["answered"]},
        "first sentence quoted from the gold document": {"value": r["answers_leading_with_gold"],
                                                         "n": result["answered"]},
    }, "measure")
    latency = result["latency"]
    assert isinstance(latency, dict)
    report.table(latency, "stage")
    report.bars("answer-latency", "Latency per stage (ms)", {"p50": {s: v["p50_ms"] for s, v in latency.items()},
                                                             "p95": {s: v["p95_ms"] for s, v in latency.items()}}, "ms")


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _mean(flags: list[bool]) -> float:
    return round(float(np.mean(flags)), 4) if flags else 0.0
