"""Specialist questions: does the answer lead with the recommendation that answers the question?

The questions (``eval.specialist_questions``) are written as a clinician would type them, each
answered by one recommendation of one guideline. Per question: does the answer cite the gold
guideline, quote the gold recommendation anywhere, lead with it (its first sentence quotes it),
or abstain although the guideline holds the answer? In the same run: the baseline that leads
with the most relevant sentence whatever it is, and whether weights fitted to these questions
would rank better than the shipped ones (``eval.answer_ranking``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from answering.extractive import ExtractiveGenerator
from answering.pipeline import QueryPipeline
from answering.ranking import AnswerRanker, RelevanceOrder
from eval import answer_ranking
from eval.report import Report
from eval.specialist_questions import KINDS, SpecialistQuestion, quotes
from runtime.system import System

MEASURES = ("cites_gold_guideline", "quotes_gold", "leads_with_gold", "abstained_wrongly")


def judge(pipeline: QueryPipeline, q: SpecialistQuestion) -> dict[str, Any]:
    answer = pipeline.ask(q.question)
    citations = {c.n: c for c in answer.citations}
    quoting = [any(quotes(q, citations[n].guideline_id, citations[n].char_start, citations[n].char_end, s.text)
                   for n in s.citations) for s in answer.sentences]
    return {
        "qid": q.qid, "kind": q.kind, "question": q.question,
        "cites_gold_guideline": any(c.guideline_id == q.guideline_id for c in answer.citations),
        "quotes_gold": any(quoting),
        "leads_with_gold": bool(quoting) and quoting[0],
        "abstained_wrongly": answer.abstained,
        # Where the answer led from, not its words: the guidelines' text stays out of reports.
        "led_with": citations[answer.sentences[0].citations[0]].chunk_id if answer.sentences else None,
    }


def evaluate(system: System, questions: list[SpecialistQuestion]) -> dict[str, Any]:
    """The configured pipeline; for extractive answers also the baseline that leads with the most
    relevant sentence whatever it is (the order before answer ranking), in the same run."""
    judged = [judge(system.pipeline, q) for q in questions]
    result: dict[str, Any] = {"questions": len(judged), "rates": _rates(judged), "per_question": judged}
    generator = system.pipeline.generator
    if isinstance(generator, ExtractiveGenerator):
        baseline = replace(system.pipeline, generator=replace(generator, ranker=RelevanceOrder()))
        result["baseline_rates"] = _rates([judge(baseline, q) for q in questions])
        ranker = generator.ranker if isinstance(generator.ranker, AnswerRanker) else None
        result["reader"] = ranker.reader.name if ranker is not None and ranker.reader is not None else None
        result["fitted_ranking"] = answer_ranking.compare(answer_ranking.collect(system.pipeline, questions, ranker))
    return result


def _rates(judged: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in judged:
        by_kind[row["kind"]].append(row)
    groups = {"all": judged, **{k: by_kind[k] for k in KINDS if by_kind[k]}}
    return {name: {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in MEASURES} | {"n": len(rows)}
            for name, rows in groups.items()}


def add_to_report(report: Report, result: dict[str, Any]) -> None:
    reader = result.get("reader")
    report.text(f"{result['questions']} questions. Reader (``answering.reader``): "
                + (f"``{reader}``." if reader else "none configured."))
    report.table(result["rates"], "questions")
    if "baseline_rates" in result:
        report.text("Baseline, same run: the most relevant sentence first, whatever it is (before answer ranking).")
        report.table(result["baseline_rates"], "questions")
    if fitted := result.get("fitted_ranking"):
        report.text(f"Would weights fitted to these questions rank better? Of the {fitted['cases']} questions "
                    f"answered, {fitted['gold_among_candidates']} have the gold among the candidate statements; "
                    "leads with the gold among those answered, shipped weights vs pairwise logistic regression "
                    "on the same features cross-validated by guideline (no guideline's questions ranked by "
                    "weights fitted on them):")
        report.table(fitted["leads"], "weights")
    report.bars("specialist-leads", "Share of answers by kind of question",
                {m: {k: v[m] for k, v in result["rates"].items()} for m in MEASURES[:3]}, "share")
    missed = [r for r in result["per_question"] if not r["leads_with_gold"]]
    if missed:
        report.heading("Answers that did not lead with the gold recommendation")
        report.table({r["qid"]: {"kind": r["kind"], "led with chunk": r["led_with"] or "(abstained)"}
                      for r in missed}, "question")
