"""`ckg guidelines ...` (version history, diffs, supersession, withdrawal) and `ckg answers stale`:
the knowledge engineer's update workflow. Changes are written to the audit trail as ``cli:<login>``."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from typing import Annotated, Any

import typer

from ingest.version_diff import VersionDiff
from runtime import lifecycle
from runtime.commandline import cli_system, print_json
from runtime.system import System

guidelines_app = typer.Typer(help="Guideline versions: history, diff, supersede, withdraw.", no_args_is_help=True)
answers_app = typer.Typer(help="Past answers: which ones an update made stale.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
GuidelineId = Annotated[str, typer.Argument(help="A guideline id, e.g. ngc-9851.")]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"



@guidelines_app.command("history")
def history(guideline_id: GuidelineId, as_json: JsonFlag = False) -> None:
    """Every version of a guideline with when it was valid, and whether it was withdrawn or superseded."""
    with cli_system() as system:
        found = lifecycle.history(system.graph, guideline_id)
    if as_json:
        print_json(found)
        return
    typer.secho(f"{found['guideline_id']}: {found['title']}", bold=True)
    if found["retired"]:
        by = f" by {found['superseded_by']}" if found["superseded_by"] else ""
        typer.secho(f"  {found['retired']}{by} on {found['retired_at']} ({found['retired_by']}): "
                    f"{found['retired_reason'] or 'no reason given'}", fg="yellow")
    for old in found["supersedes"]:
        typer.echo(f"  supersedes {old['guideline_id']} (since {old['at']}, {old['by']}, {old['source']})")
    for v in found["versions"]:
        mark = "current" if v["current"] else f"until {v['valid_to'] or '?'}"
        typer.echo(f"  {v['version_id']}  valid from {v['valid_from']}  {mark}  (released {v['released'] or '?'}; "
                   f"ingested {v['ingested_at']} by {v.get('ingested_by') or '?'} from {v['source']})")


@guidelines_app.command("diff")
def diff(
    guideline_id: GuidelineId,
    versions: Annotated[list[str] | None, typer.Argument(
        help="Two versions to compare (ids or their hash part); by default the two latest.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """What changed between two versions: sections, recommendations, grades, chunks."""
    if versions and len(versions) != 2:
        raise typer.BadParameter("give two versions, or none")
    old, new = versions if versions else (None, None)
    with cli_system() as system:
        change = lifecycle.diff(system.graph, guideline_id, old, new)
    if as_json:
        print_json(change.as_dict())
    else:
        print_diff(change)


def print_diff(change: VersionDiff) -> None:
    typer.secho(f"{change.old_version} -> {change.new_version}", bold=True)
    for s in change.sections:
        typer.echo(f"  section {s.change}: {s.path}")
        for line in s.lines:
            typer.secho(f"      {line}", fg="red" if line.startswith("-") else "green")
    for r in change.recommendations:
        grade = f" [{r.old_grade} -> {r.new_grade}]" if r.old_grade != r.new_grade else ""
        typer.echo(f"  recommendation {r.change}{grade}: {r.text}")
    typer.echo(f"  chunks: {change.chunks_unchanged} unchanged, {change.chunks_added} added, "
               f"{change.chunks_removed} removed")


@guidelines_app.command("supersede")
def supersede(
    guideline_id: GuidelineId,
    by: Annotated[str, typer.Option("--by", help="The guideline that replaces it.")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
) -> None:
    """Mark a guideline superseded by another: it is no longer cited, and stays as history."""
    with cli_system() as system:
        done = system.retire(guideline_id, "superseded", _actor(), reason, by)
        _audited(system, "ckg guidelines supersede", asdict(done))
    typer.echo(f"{guideline_id} superseded by {by} on {done.at}; it will not be cited again")


@guidelines_app.command("withdraw")
def withdraw(
    guideline_id: GuidelineId,
    reason: Annotated[str, typer.Option(help="Why it is withdrawn, for the record.")],
) -> None:
    """Withdraw a guideline: it is no longer cited, and stays as history."""
    with cli_system() as system:
        done = system.retire(guideline_id, "withdrawn", _actor(), reason)
        _audited(system, "ckg guidelines withdraw", asdict(done))
    typer.echo(f"{guideline_id} withdrawn on {done.at}; it will not be cited again")


def _audited(system: System, command: str, touched: dict[str, Any]) -> None:
    system.audit.append({"actor": _actor(), "role": "curator", "method": "CLI", "route": command, "status": 0,
                         "outcome": "allowed", "touched": touched})


@answers_app.command("stale")
def stale(
    since: Annotated[str | None, typer.Option(help="Only answers given since this ISO date (UTC).")] = None,
    enqueue: Annotated[bool, typer.Option(
        "--enqueue", help="Ask each stale question again and queue the new answer for clinician review.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Past answers whose cited passages changed, or whose guidelines were withdrawn or superseded."""
    with cli_system() as system:
        found = system.stale_answers(since)
        queued = system.review_stale(found) if enqueue else 0
    if as_json:
        print_json({"stale": [asdict(s) for s in found], "queued_for_review": queued})
        return
    typer.echo(f"{len(found)} past answers cite passages that changed" +
               (f"; {queued} review items queued" if enqueue else ""))
    for answer in found:
        typer.secho(f"#{answer.seq} {answer.time} {answer.actor}: {answer.question}", bold=True)
        for c in answer.citations:
            typer.echo(f"  {c.chunk_id} ({c.section or 'unknown section'}): {c.detail}")
            for line in c.changes:
                typer.secho(f"      {line}", fg="red" if line.startswith("-") else "green")
