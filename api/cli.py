"""The `ckg` command line."""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import asdict
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer

from api.admin_cli import audit_app, keys_app
from api.guidelines_cli import answers_app, guidelines_app, print_diff
from api.review_cli import review_app
from ckg import logs
from ckg.errors import InputError
from ckg.settings import get_settings
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.version_diff import VersionDiff
from runtime.commandline import cli_system, print_json, reported_errors

app = typer.Typer(help="clinical-kg: grounded, cited and checked answers from clinical guidelines.",
                  no_args_is_help=True, add_completion=False)
ingest_app = typer.Typer(help="Add documents to the knowledge graph and the vector index.", no_args_is_help=True)
server_app = typer.Typer(help="The embedded graph server (used when CKG_GRAPH__URI is not set).", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(server_app, name="server")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(review_app, name="review")
app.add_typer(guidelines_app, name="guidelines")
app.add_typer(answers_app, name="answers")
# Other packages add command groups through the "ckg.commands" entry point (eval: `ckg eval ...`),
# so this command line never imports them by name.
for _entry in entry_points(group="ckg.commands"):
    app.add_typer(_entry.load(), name=_entry.name)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False) -> None:
    logs.configure(get_settings().log_dir, verbose)



@ingest_app.command("guidelines")
def ingest_guidelines(
    paths: Annotated[list[Path], typer.Argument(help=f"Files or folders ({', '.join(SUPPORTED_SUFFIXES)}).")],
    as_json: JsonFlag = False,
) -> None:
    """Ingest guideline files. A folder's index.jsonl, if present, supplies metadata.

    Every file is parsed before anything is written: if one is bad, none is stored.
    Unchanged documents are skipped; a changed one becomes the guideline's new current version
    (what changed is printed; only changed chunks are embedded); withdrawn or superseded
    guidelines are not brought back.
    """
    from ingest.pipeline import parse_files

    with reported_errors():
        documents = parse_files(paths, get_settings().ingest)
    with cli_system() as system:
        report = system.ingest(documents, progress=not as_json and sys.stderr.isatty(),
                               actor=f"cli:{getpass.getuser()}")
        stale = len(system.stale_answers()) if report.updated or report.superseded else 0
        _report(report.as_dict() | {"stale_answers": stale}, as_json)
        if not as_json:
            _report_changes(report.changes, report.retired_skipped, report.superseded, stale)


def _report_changes(changes: list[VersionDiff], skipped: list[str], superseded: list[dict[str, str]],
                    stale: int) -> None:
    for change in changes:
        typer.echo("")
        print_diff(change)
    for gid in skipped:
        typer.secho(f"{gid} skipped: it was withdrawn or superseded (see ckg guidelines history {gid})", fg="yellow")
    for s in superseded:
        typer.echo(f"{s['guideline_id']} superseded by {s['by']} (its metadata names it as the previous version)")
    if stale:
        typer.secho(f"{stale} past answers cite passages that changed: ckg answers stale", fg="yellow")


@ingest_app.command("pubmedqa")
def ingest_pubmedqa(
    corpus: Annotated[Path, typer.Argument(help="PubMedQA corpus.jsonl (pmid, contexts, labels).")],
    limit: Annotated[int | None, typer.Option(help="Only the first N abstracts.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ingest a PubMedQA-style corpus: one document per abstract, one section per paragraph."""
    from ingest.loaders.pubmedqa import iter_documents

    with reported_errors():
        try:
            documents = list(iter_documents(corpus))[:limit]
        except OSError as exc:
            raise InputError(str(exc), source=str(corpus)) from exc
    with cli_system() as system:
        report = system.ingest(documents, progress=not as_json and sys.stderr.isatty())
        _report(report.as_dict(), as_json)


@ingest_app.command("records")
def ingest_records(
    paths: Annotated[list[Path], typer.Argument(help="FHIR R4 Bundles (.json), Bulk FHIR (.ndjson), folders.")],
    deidentify: Annotated[bool, typer.Option(
        "--deidentify", help="Transform records that carry identifiers by HIPAA Safe Harbor instead of rejecting them.",
    )] = False,
    as_json: JsonFlag = False,
) -> None:
    """Ingest de-identified patient records behind the PHI gate.

    A record that carries any HIPAA Safe Harbor identifier is rejected whole, with the identifier
    categories and JSON paths found (never the values), unless --deidentify is given. Each bundle
    is one transaction; re-ingesting a bundle changes nothing. Exit code 2 if any bundle was rejected.
    """
    from runtime.system import open_graph, records_ingestor

    settings = get_settings()
    with reported_errors():
        graph = open_graph(settings)
        try:
            progress = not as_json and sys.stderr.isatty()
            report = records_ingestor(settings, graph).ingest(paths, deidentify, progress=progress)
        finally:
            graph.close()
    result = report.as_dict()
    if as_json:
        print_json(result)
    else:
        typer.echo(f"{result['ingested']} patients stored ({result['resources']} resources, {result['facts']} facts, "
                   f"{result['resources_per_s']} resources/s); {len(result['rejected'])} rejected")
        for rejection in result["rejected"]:
            found = rejection.get("identifiers")
            typer.echo(f"  rejected {rejection['source']}: " +
                       (", ".join(f"{c} ({v['count']})" for c, v in found.items()) if found else rejection["problem"]))
    if report.rejected:
        raise typer.Exit(2)


def _report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json({k: v for k, v in report.items() if k != "versions"})
        return
    typer.echo(
        f"{report['documents']} documents: {report['added']} added, {report['updated']} updated, "
        f"{report['unchanged']} unchanged; {report['chunks']} chunks in {report['seconds']:.1f}s "
        f"({report['chunks_per_second']:.1f} chunks/s; "
        f"embedding alone {report['embed_chunks_per_second']:.1f} chunks/s); "
        f"{report['vectors_embedded']} chunks embedded, {report['vectors_reused']} unchanged ones kept their vectors"
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A clinical question, in quotes.")],
    top_k: Annotated[int | None, typer.Option(help="Evidence chunks to retrieve.")] = None,
    patient: Annotated[str | None, typer.Option(
        help="A stored patient's key: their facts join the question; conflicts are flagged.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Answer from the guideline versions current on this date (YYYY-MM-DD), for audits.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer a question from cited evidence, with a faithfulness verdict per sentence."""
    with cli_system() as system:
        answer = asdict(system.ask(question, top_k, patient_key=patient, as_of=as_of))
    if as_json:
        print_json(answer)
    else:
        print_answer(answer)


def print_answer(answer: dict[str, Any]) -> None:
    typer.secho(f"Q: {answer['question']}", bold=True)
    if answer["abstained"]:
        typer.secho(f"ABSTAINED: {answer['answer']} ({answer['abstain_reason']})", fg="yellow")
        return
    for sentence in answer["sentences"]:
        marks = "".join(f"[{n}]" for n in sentence["citations"])
        typer.echo(f"  {sentence['text']} {marks}  <{sentence['verdict']}>")
    typer.echo("Citations:")
    for c in answer["citations"]:
        typer.echo(f"  [{c['n']}] {c['title']} ({c['guideline_id']}, version {c['version_id']})")
        typer.echo(f"      section: {c['section']}; chars {c['char_start']}-{c['char_end']}; chunk {c['chunk_id']}")
        if c.get("recommendation"):
            r = c["recommendation"]
            grade = r["label"] or "no grade stated"
            typer.echo(f"      recommendation grade: {grade} ({r['scheme'] or 'ungraded'}: direction {r['direction']}, "
                       f"strength {r['strength']}, certainty {r['certainty']})")
    f = answer["faithfulness"]
    typer.secho(f"Faithfulness: {f['verdict']} ({f['supported']}/{f['total']} sentences, {f['verifier']})", fg="green")
    if answer.get("patient"):
        p = answer["patient"]
        used = "; ".join(f"{x['name']} ({x['kind']}, {x['year']})" for x in p["facts_used"]) or "none"
        typer.echo(f"Patient facts used: {used}")
        for conflict in p["conflicts"]:
            typer.secho(f"  CONFLICT: {conflict['reason']}", fg="red")


@app.command()
def verify(
    pairs: Annotated[Path, typer.Argument(help='JSONL, one {"id", "claim", "evidence": [text, ...]} per line.')],
    as_json: JsonFlag = False,
) -> None:
    """Check claims against evidence: one {"id", "verdict", "score", "reasons"} line per input line."""
    from answering.claim_verifier import ClaimVerifier
    from answering.faithfulness import Evidence
    from ckg.jsonl import read_jsonl
    from ckg.nlp.pipeline import get_nlp
    from retrieval.embeddings import get_embedder

    with reported_errors():
        try:
            rows = [(line_no, _pair(pairs, line_no, row)) for line_no, row in read_jsonl(pairs)]
        except OSError as exc:
            raise InputError(str(exc), source=str(pairs)) from exc
    checker = ClaimVerifier(get_embedder(get_settings().embedding), get_nlp())
    for _, (pair_id, claim, evidence) in rows:
        result = checker.verify(claim, [Evidence(f"e{i}", t, 0, 0, len(t)) for i, t in enumerate(evidence)])
        out = {"id": pair_id, "verdict": result.verdict, "score": result.score, "reasons": result.reasons}
        plain = f"{pair_id}\t{result.verdict}\t{result.score:.3f}\t{'; '.join(result.reasons)}"
        typer.echo(json.dumps(out, ensure_ascii=False) if as_json else plain)


def _pair(path: Path, line_no: int, row: dict[str, Any]) -> tuple[str, str, list[str]]:
    claim, evidence = row.get("claim"), row.get("evidence")
    if not isinstance(claim, str) or not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise InputError('needs "claim" (text) and "evidence" (list of texts)', source=f"{path}:{line_no}")
    return str(row.get("id", line_no)), claim, evidence


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Graph engine, node and relationship counts, index size, model."""
    with cli_system() as system:
        info = system.status()
    if as_json:
        print_json(info)
        return
    g, i = info["graph"], info["index"]
    typer.echo(f"graph: {g['engine']} at {g['uri']}; {g['relationships']} relationships")
    for label, n in g["nodes"].items():
        typer.echo(f"  {label}: {n}")
    typer.echo(f"index: {i['vectors']} vectors, {i['model']} ({i['dimension']}-d), snapshot {i['snapshot']}")
    typer.echo(f"graph and index consistent: {info['consistent']}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the models and the index).")] = 1,
    ssl_certfile: Annotated[Path | None, typer.Option(help="Serve HTTPS with this certificate (PEM).")] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="The certificate's private key (PEM).")] = None,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        help="Behind a reverse proxy: the proxy's address(es), whose X-Forwarded-For/-Proto are trusted.")] = None,
) -> None:
    """Run the query API (OpenAPI docs at /docs). Every route but /v1/healthz needs a credential."""
    import uvicorn

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("give both --ssl-certfile and --ssl-keyfile, or neither")
    uvicorn.run("api.serving:create_app", factory=True, host=host, port=port, workers=workers,
                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, proxy_headers=forwarded_allow_ips is not None,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False, timeout_keep_alive=5,
                timeout_graceful_shutdown=10)


@app.command()
def demo() -> None:
    """Ingest the bundled U.S. federal guidelines and answer the sample questions."""
    from ingest.pipeline import parse_files

    documents = parse_files([DEMO_DIR / "guidelines"], get_settings().ingest)
    questions = [q for q in (DEMO_DIR / "questions.txt").read_text().splitlines() if q.strip()]
    with cli_system() as system:
        report = system.ingest(documents, progress=sys.stderr.isatty())
        _report(report.as_dict(), as_json=False)
        for question in questions:
            typer.echo("")
            print_answer(asdict(system.ask(question)))


@server_app.command("start")
def server_start() -> None:
    """Start the embedded ArcadeDB server (loopback only) if it is not running."""
    from graph.servers import ArcadeDBServer

    settings = get_settings()
    with reported_errors():
        info = ArcadeDBServer(settings.graph_dir).ensure_running(settings.graph.embedded_start_timeout_s)
    typer.echo(f"arcadedb running: pid {info.pid}, {info.uri}")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the embedded graph server by its PID."""
    from graph.servers import ArcadeDBServer

    stopped = ArcadeDBServer(get_settings().graph_dir).stop()
    typer.echo("stopped" if stopped else "not running")


@server_app.command("status")
def server_status() -> None:
    """Say whether the embedded graph server is running."""
    from graph.servers import ArcadeDBServer

    info = ArcadeDBServer(get_settings().graph_dir).running()
    typer.echo(f"arcadedb running: pid {info.pid}, {info.uri}" if info else "not running")
    raise typer.Exit(0 if info else 1)


if __name__ == "__main__":
    app()
