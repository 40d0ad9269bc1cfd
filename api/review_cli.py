"""`ckg review ...`: fill the clinician review queue from an evaluation run, and export source
attribution. The queue itself is worked in the browser (/review) or through the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from tqdm import tqdm

from ckg.settings import get_settings
from review.attribution import to_csv
from runtime.commandline import cli_system, reported_errors
from runtime.system import answered_questions, audit_log, open_graph, review_desk

review_app = typer.Typer(help="Clinician review: queue answers from an evaluation run; source attribution.",
                         no_args_is_help=True)


def report_questions(report: Path) -> tuple[str, list[str]]:
    """The suite and every distinct question a report's metrics.json lists (``question`` fields)."""
    path = report / "metrics.json" if report.is_dir() else report
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"{path}: not a readable evaluation report ({exc})") from exc
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("question"), str) and node["question"].strip():
                found[node["question"].strip()] = None
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(metrics)
    if not found:
        raise typer.BadParameter(f"{path}: lists no questions (per-question records with a 'question' field)")
    return str(metrics.get("suite", "eval")), list(found)


@review_app.command("enqueue")
def enqueue(
    from_eval: Annotated[Path, typer.Option("--from-eval", help="An evaluation report (folder or metrics.json): "
                                            "its questions are answered again and every cited sentence queued.")],
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
) -> None:
    """Queue the answers to an evaluation run's questions for clinician review (origin eval:<suite>)."""
    suite, questions = report_questions(from_eval)
    questions = questions[:limit] if limit else questions
    queued = answered = 0
    with cli_system() as system:
        for question in tqdm(questions, desc="answering", unit="question", disable=not sys.stderr.isatty()):
            answer = system.ask(question)
            answered += not answer.abstained
            queued += system.reviews.enqueue(answer, f"eval:{suite}")
    typer.echo(f"{len(questions)} questions, {answered} answered, {queued} review items queued (origin eval:{suite})")


@review_app.command("attribution")
def attribution(
    by: Annotated[Literal["guideline", "developer"], typer.Option(help="Group by guideline or developer.")] =
        "guideline",
    since: Annotated[str | None, typer.Option(help="From this ISO date or time (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this ISO date or time (UTC).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
) -> None:
    """Per guideline or developer: answers and citations carried, reviewed share, approval rate, disputes."""
    settings = get_settings()
    with reported_errors():
        graph = open_graph(settings)
    try:
        with reported_errors():
            answers = answered_questions(audit_log(settings, None))
            rows = [r.row() for r in review_desk(settings, graph).attribution(by, answers, since, until)]
    finally:
        graph.close()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif as_csv:
        typer.echo(to_csv(rows), nl=False)
    else:
        for r in rows:
            approval = "–" if r["approval_rate"] is None else f"{r['approval_rate']:.0%}"
            typer.echo(f"{r['key'][:40]:<40} answers {r['answers']:>5}  citations {r['citations']:>5}  "
                       f"items {r['items']:>4}  reviewed {r['reviewed']:>4}  approval {approval:>4}  "
                       f"disputes {r['disputes']}")
