"""Answers suite: for each question, the full pipeline's answer judged on what a clinician needs.

- faithfulness: the answerer's own verdicts (supported sentences / sentences);
- citation precision (support): each (sentence, cited passage) pair checked again, alone, by the
  claim verifier — does that passage support that sentence?
- citation precision (gold): the share of citations drawn from the question's own document;
- citation recall: the share of answer sentences that cite something (every answer sentence
  states a fact, so every one needs a citation), the share of answers citing the gold, and the
  share whose first sentence is quoted from the gold;
- ROUGE-L (F) of each answer against the expert's long answer, where the questions have one;
- abstention rate, and latency p50/p95 of each stage (retrieve, answer, verify, total).

For extractive answers the same questions are answered again in the same run with the sentences
in the gate's relevance order (before answer ranking): ROUGE-L and first-sentence-from-gold
before and after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np
from rouge_score import rouge_scorer

from answering.claim_verifier import ClaimVerifier
from answering.extractive import ExtractiveGenerator
from answering.faithfulness import Evidence
from answering.pipeline import QueryPipeline
from answering.ranking import RelevanceOrder
from ckg.nlp.pipeline import get_nlp
from eval.datasets import Dataset
from eval.metrics import percentiles
from eval.report import Report
from runtime.system import System


def evaluate(system: System, dataset: Dataset) -> dict[str, object]:
    result = _evaluate(system, dataset)
    generator = system.pipeline.generator
    if isinstance(generator, ExtractiveGenerator):
        baseline = replace(system.pipeline, generator=replace(generator, ranker=RelevanceOrder()))
        result["before_after"] = {"relevance order (before)": _summary(baseline, dataset),
                                  "answer ranking (after)": _summary(system.pipeline, dataset)}
    return result


def _summary(pipeline: QueryPipeline, dataset: Dataset) -> dict[str, Any]:
    """ROUGE-L and first sentence from the gold, for one way of ordering the answer."""
    rouge, first = [], []
    for q in dataset.queries:
        answer = pipeline.ask(q.text)
        if answer.abstained:
            continue
        if q.row.get("long_answer"):
            rouge.append(_rouge_l(q.row["long_answer"], " ".join(s.text for s in answer.sentences)))
        citations = {c.n: c for c in answer.citations}
        lead = answer.sentences[0].citations[0] if answer.sentences and answer.sentences[0].citations else None
        first.append(lead is not None and citations[lead].guideline_id == q.gold)
    return {"rouge_l": _mean_float(rouge), "first_sentence_from_gold": _mean(first), "answered": len(first)}


def _rouge_l(reference: str, answer: str) -> float:
    return float(_ROUGE.score(reference, answer)["rougeL"].fmeasure)


_ROUGE = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def _evaluate(system: System, dataset: Dataset) -> dict[str, object]:
    checker = ClaimVerifier(system.embedder, get_nlp())
    stages: dict[str, list[float]] = defaultdict(list)
    answered = abstained = sentences = supported = cited_sentences = gold_cited = gold_first = 0
    support, from_gold, scores, rouge = [], [], [], []
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
        if q.row.get("long_answer"):
            rouge.append(_rouge_l(q.row["long_answer"], " ".join(s.text for s in answer.sentences)))
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
        "rouge_l": {"f": _mean_float(rouge), "answers": len(rouge)},
        "latency": {stage: percentiles(values) for stage, values in stages.items()},
    }


def add_to_report(report: Report, dataset: Dataset, result: dict[str, object]) -> None:
    report.heading(dataset.name)
    report.text(f"{result['questions']} questions, generator `{result['generator']}`, unsupported sentences: "
                f"`{result['unsupported_policy']}`; {result['answered']} answered, abstention rate "
                f"{result['abstention_rate']:.3f}.")
    f, p, r, rouge = (result["faithfulness"], result["citation_precision"], result["citation_recall"],
                      result["rouge_l"])
    assert isinstance(f, dict) and isinstance(p, dict) and isinstance(r, dict) and isinstance(rouge, dict)
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
        "ROUGE-L (F) against the expert long answer": {"value": rouge["f"], "n": rouge["answers"]},
    }, "measure")
    if "before_after" in result:
        report.text("Answer ranking before and after, same questions, same run:")
        report.table(result["before_after"], "sentence order")  # type: ignore[arg-type]
    latency = result["latency"]
    assert isinstance(latency, dict)
    report.table(latency, "stage")
    report.bars("answer-latency", "Latency per stage (ms)", {"p50": {s: v["p50_ms"] for s, v in latency.items()},
                                                             "p95": {s: v["p95_ms"] for s, v in latency.items()}}, "ms")


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _mean(flags: list[bool]) -> float:
    return round(float(np.mean(flags)), 4) if flags else 0.0


def _mean_float(values: list[float]) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0
