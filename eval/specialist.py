"""Specialist questions: does the answer lead with the recommendation that answers the question?

Each question is written as a clinician would type it (paraphrased, never copied) and is answered
by one recommendation of one guideline: "negative" ones by a do-not / not-recommended /
insufficient-evidence statement, "numeric" ones by a statement that hinges on a dose, threshold,
age or interval, "positive" ones by what to do. The question file keeps only the guideline id and
the SHA-256 of the gold recommendation's text (the guidelines' copyright stays with their
developers); the gold's span is found again in the guideline file at run time.

Per question: does the answer cite the gold guideline, quote the gold recommendation anywhere,
lead with it (its first sentence quotes it), or abstain although the guideline holds the answer?
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from answering.extractive import ExtractiveGenerator
from answering.pipeline import QueryPipeline
from answering.ranking import RelevanceOrder
from ckg.jsonl import read_jsonl
from ckg.text import normalise_inline, sentence_spans
from ckg.types import Chunk, Document
from eval.report import Report
from ingest.discovery import read_sidecar
from ingest.loaders import load_document
from ingest.loaders.common import SourceMeta
from ingest.recommendations import extract_recommendations
from runtime.system import System

KINDS = ("negative", "numeric", "positive")
MEASURES = ("cites_gold_guideline", "quotes_gold", "leads_with_gold", "abstained_wrongly")


@dataclass(frozen=True)
class SpecialistQuestion:
    qid: str
    kind: str
    question: str
    guideline_id: str
    gold_start: int  # the gold recommendation's span in the guideline's text
    gold_end: int
    gold_text: str = ""  # normalised: a guideline that states it twice is quoted by either statement


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise_inline(text).encode()).hexdigest()


def _spans(doc: Document) -> list[tuple[int, int]]:
    """Every sentence and every extracted recommendation of a document: where a gold can be."""
    spans = []
    for section in doc.sections:
        offset = section.char_start
        for line in doc.text[section.char_start : section.char_end].split("\n"):
            spans += [(offset + a, offset + b) for a, b in sentence_spans(line)]
            offset += len(line) + 1
    whole = Chunk("gold#c0000", 0, 0, 0, len(doc.text), doc.text, "", "")
    spans += [(r.char_start, r.char_end) for r in extract_recommendations(doc, "gold", [whole])]
    return spans


def _document(path: Path, sidecar: dict[str, SourceMeta] | None = None) -> Document:
    meta = (sidecar if sidecar is not None else read_sidecar(path.parent)).get(path.name)
    return load_document(path, path.read_bytes(), meta)


def gold_candidates(path: Path) -> list[str]:
    """The texts a gold may be chosen from (used when writing questions)."""
    doc = _document(path)
    return [doc.text[a:b] for a, b in _spans(doc)]


def load_questions(questions: Path, guidelines: Path, limit: int | None = None) -> list[SpecialistQuestion]:
    loaded = []
    sidecar = read_sidecar(guidelines)
    for line_no, row in list(read_jsonl(questions))[:limit]:
        doc = _document(guidelines / f"{row['guideline_id']}.html", sidecar)
        spans = [s for s in _spans(doc) if text_hash(doc.text[s[0] : s[1]]) == row["gold_sha256"]]
        if not spans:
            raise ValueError(f"{questions}:{line_no}: the gold of {row['qid']} is not in {row['guideline_id']}")
        start, end = spans[0]
        loaded.append(SpecialistQuestion(row["qid"], row["kind"], row["question"], row["guideline_id"], start, end,
                                         normalise_inline(doc.text[start:end])))
    return loaded


def _quotes(q: SpecialistQuestion, guideline_id: str, start: int, end: int, text: str = "") -> bool:
    """A citation quotes the gold when it covers most of it, or lies mostly inside it — or, where
    the guideline states the same recommendation twice (summary and full text), when its words
    contain the gold's."""
    if guideline_id != q.guideline_id:
        return False
    overlap = min(end, q.gold_end) - max(start, q.gold_start)
    if overlap > 0.5 * min(end - start, q.gold_end - q.gold_start):
        return True
    return bool(text and q.gold_text) and q.gold_text.casefold() in normalise_inline(text).casefold()


def judge(pipeline: QueryPipeline, q: SpecialistQuestion) -> dict[str, Any]:
    answer = pipeline.ask(q.question)
    citations = {c.n: c for c in answer.citations}
    quoting = [any(_quotes(q, citations[n].guideline_id, citations[n].char_start, citations[n].char_end, s.text)
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
    return result


def _rates(judged: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in judged:
        by_kind[row["kind"]].append(row)
    groups = {"all": judged, **{k: by_kind[k] for k in KINDS if by_kind[k]}}
    return {name: {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in MEASURES} | {"n": len(rows)}
            for name, rows in groups.items()}


def add_to_report(report: Report, result: dict[str, Any]) -> None:
    report.text(f"{result['questions']} questions.")
    report.table(result["rates"], "questions")
    if "baseline_rates" in result:
        report.text("Baseline, same run: the most relevant sentence first, whatever it is (before answer ranking).")
        report.table(result["baseline_rates"], "questions")
    report.bars("specialist-leads", "Share of answers by kind of question",
                {m: {k: v[m] for k, v in result["rates"].items()} for m in MEASURES[:3]}, "share")
    missed = [r for r in result["per_question"] if not r["leads_with_gold"]]
    if missed:
        report.heading("Answers that did not lead with the gold recommendation")
        report.table({r["qid"]: {"kind": r["kind"], "led with chunk": r["led_with"] or "(abstained)"}
                      for r in missed}, "question")
