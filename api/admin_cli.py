"""`ckg keys ...` and `ckg audit ...`: run on the server's machine, by whoever holds CKG_HOME.

They open the graph only (no models), and write what they change to the audit trail as
``cli:<login>``, like any API request.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from access.audit import AuditLog
from access.keys import ApiKeys
from access.roles import Role
from ckg.settings import get_settings
from graph.store import BoltGraphStore
from runtime.commandline import reported_errors
from runtime.system import audit_log, open_graph

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail: verify the chain, show entries.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@contextmanager
def _graph() -> Iterator[BoltGraphStore]:
    with reported_errors():
        graph = open_graph(get_settings())
    try:
        with reported_errors():
            yield graph
    finally:
        graph.close()


def _audited(graph: BoltGraphStore, command: str, touched: dict[str, Any]) -> None:
    audit_log(get_settings(), graph).append({
        "actor": f"cli:{getpass.getuser()}", "role": "admin", "method": "CLI", "route": command, "status": 0,
        "outcome": "allowed", "touched": touched})


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what holds the key, e.g. 'ward 7 registrar'.")],
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    as_json: JsonFlag = False,
) -> None:
    """Create a key and print it once: only its argon2 hash is stored. The first admin key is made here."""
    with _graph() as graph:
        key, row = ApiKeys(graph).create(name, role)
        _audited(graph, "ckg keys create", {"key_id": row.key_id, "name": name, "role": row.role})
    if as_json:
        typer.echo(json.dumps({"key_id": row.key_id, "name": row.name, "role": row.role, "key": key}))
    else:
        typer.echo(f"key {row.key_id} ({row.role}) for {row.name}:\n{key}\nStore it now: it is not shown again.")


@keys_app.command("list")
def list_keys(as_json: JsonFlag = False) -> None:
    """Every key: id, name, role, created, revoked. Never the keys themselves."""
    with _graph() as graph:
        rows = ApiKeys(graph).list()
    if as_json:
        typer.echo(json.dumps([{k: v for k, v in vars(r).items() if k != "hash"} for r in rows], indent=2))
        return
    for r in rows:
        typer.echo(f"{r.key_id}  {r.role:<9}  {r.created}  {'revoked ' + r.revoked if r.revoked else 'active':<28}  "
                   f"{r.name}")


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id (from `ckg keys list`).")]) -> None:
    """Revoke a key: every worker refuses it from the next request on."""
    with _graph() as graph:
        ApiKeys(graph).revoke(key_id)
        _audited(graph, "ckg keys revoke", {"key_id": key_id})
    typer.echo(f"revoked {key_id}")


@audit_app.command("verify")
def verify(as_json: JsonFlag = False) -> None:
    """Walk the hash chain; name the first entry edited, removed or out of order. Exit 1 if broken."""
    with _graph() as graph:
        log = audit_log(get_settings(), graph)
        check = log.verify()
        if check.intact:
            log.anchor()
    if as_json:
        typer.echo(json.dumps({"intact": check.intact, "entries": check.entries, "problem": check.problem,
                               "seq": check.seq, "line": check.line}))
    else:
        typer.echo(f"intact: {check.entries} entries" if check.intact else f"BROKEN: {check.problem}")
    if not check.intact:
        raise typer.Exit(1)


@audit_app.command("show")
def show(
    actor: Annotated[str | None, typer.Option(help="'key:<id>', 'oidc:<subject>' or 'cli:<login>'.")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date or time, UTC (e.g. 2026-11-01).")] = None,
    patient: Annotated[str | None, typer.Option(help="A patient key: every use of that record.")] = None,
    version: Annotated[str | None, typer.Option(help="A guideline version id: answers that cited it.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N entries.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Entries, newest first, filtered by who, when, which patient or which guideline version."""
    entries = AuditLog(get_settings().audit_path).search(actor=actor, since=since, patient=patient, version=version,
                                                         limit=limit)
    for e in entries:
        if as_json:
            typer.echo(json.dumps(e, ensure_ascii=False))
        else:
            touched = ", ".join(f"{k}={v}" for k, v in e["touched"].items())
            typer.echo(f"{e['seq']:>6}  {e['time']}  {e['actor']:<22} {e['method']:<6} {e['route']:<22} "
                       f"{e['status']}  {touched}")
