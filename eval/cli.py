"""`ckg eval SUITE`: measure the system on real data and write a report.

Every suite takes its data as arguments, so it runs unchanged on other data sets of the same
formats; it ingests that corpus into CKG_HOME first (a no-op when it is already there), writes
``report.md`` + ``metrics.json`` + PNG plots to ``--out`` and prints the metrics
(``--json``: one JSON object on stdout).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ckg.settings import get_settings
from eval.datasets import GUIDELINE_FIELDS
from runtime.commandline import cli_system

if TYPE_CHECKING:
    from retrieval.vector_index import VectorIndex
    from runtime.system import System

eval_app = typer.Typer(help="Measure retrieval, answers, abstention and faithfulness on real data; write reports.",
                       no_args_is_help=True)

Corpus = Annotated[Path | None, typer.Option(help="PubMedQA-format corpus.jsonl (pmid, contexts).")]
Questions = Annotated[Path | None, typer.Option(help="PubMedQA-format questions.jsonl (question, gold_pmid).")]
Guidelines = Annotated[Path | None, typer.Option(help="Guideline folder with index.jsonl (id, objective, ...).")]
Limit = Annotated[int | None, typer.Option(help="Only the first N questions (or guidelines).")]
Out = Annotated[Path | None, typer.Option(help="Report folder (default: reports/<suite>).")]
Fields = Annotated[str, typer.Option(help="index.jsonl fields used as queries, comma-separated.")]
DEFAULT_FIELDS = ",".join(GUIDELINE_FIELDS)
AsJson = Annotated[bool, typer.Option("--json", help="Print the metrics as one JSON object.")]
SPECIALIST_QUESTIONS = Path(__file__).resolve().parent / "data" / "specialist_questions.jsonl"
DEMO_QUESTIONS = Path(__file__).resolve().parent.parent / "demo" / "questions.txt"


def _pubmedqa(corpus: Path | None, questions: Path | None, limit: int | None, required: bool = True) -> Any:
    from eval.datasets import pubmedqa

    if corpus is None or questions is None:
        if required:
            raise typer.BadParameter("give both --corpus and --questions")
        return None
    return pubmedqa(corpus, questions, limit)


def _ingest(system: Any, dataset: Any) -> None:
    system.ingest(dataset.documents, progress=sys.stderr.isatty())


def _finish(report: Any, out: Path | None, as_json: bool) -> None:
    folder = report.save(out or Path("reports") / report.suite)
    if as_json:
        typer.echo(json.dumps(report.metrics))
    else:
        typer.echo(json.dumps(report.metrics, indent=2)[:4000])
        typer.echo(f"report: {folder}")


def _report(suite: str, title: str, module: ModuleType) -> Any:
    """A report titled, stamped with the command line, and opened with the module's description."""
    from eval.report import Report

    report = Report(suite, title, "ckg " + shlex.join(sys.argv[1:]))
    report.text((module.__doc__ or "").split("\n\n", 1)[-1].strip())
    return report


@eval_app.command()
def retrieval(corpus: Corpus = None, questions: Questions = None, guidelines: Guidelines = None,
              fields: Fields = DEFAULT_FIELDS,
              withhold_query_sections: Annotated[bool, typer.Option(
                  help="Index the guidelines without the sections the queries were copied from (use a "
                       "CKG_HOME of its own: the guidelines are ingested as cut).")] = False,
              limit: Limit = None, out: Out = None, as_json: AsJson = False) -> None:
    """Question -> gold document: our channels, our fused pipeline and the stock LangChain stack, same run."""
    from eval import retrieval as suite
    from eval.datasets import guidelines as guideline_set

    report = _report("retrieval", "Retrieval: question → gold document", suite)
    with cli_system() as system:
        datasets = [d for d in (_pubmedqa(corpus, questions, limit, required=False),) if d]
        if guidelines:
            datasets.append(guideline_set(guidelines, system.settings.ingest, tuple(fields.split(",")), limit,
                                          withhold_query_sections))
        if not datasets:
            raise typer.BadParameter("give --corpus and --questions, or --guidelines, or both")
        for dataset in datasets:
            _ingest(system, dataset)
            results = suite.evaluate(system, dataset, system.settings.home / "eval-cache")
            report.metrics[dataset.name] = results
            suite.add_to_report(report, dataset, results)
    _finish(report, out, as_json)


@eval_app.command()
def answers(corpus: Corpus = None, questions: Questions = None, limit: Limit = None, out: Out = None,
            as_json: AsJson = False) -> None:
    """Full answers: faithfulness, citation precision and recall, abstention, latency per stage."""
    from eval import answers as suite

    dataset = _pubmedqa(corpus, questions, limit)
    report = _report("answers", "Answers: faithfulness, citations, latency", suite)
    with cli_system() as system:
        _ingest(system, dataset)
        report.metrics[dataset.name] = result = suite.evaluate(system, dataset)
        suite.add_to_report(report, dataset, result)
    _finish(report, out, as_json)


@eval_app.command()
def abstention(corpus: Corpus = None, questions: Questions = None, guidelines: Guidelines = None,
               fields: Fields = DEFAULT_FIELDS, limit: Limit = None, out: Out = None,
               fit: Annotated[Path | None, typer.Option(
                   help="Write the abstention model fitted on these questions here (JSON), with the "
                        "cross-validated operating point; point CKG_RETRIEVAL__ABSTENTION_MODEL at it.")] = None,
               save_cases: Annotated[Path | None, typer.Option(
                   help="Keep each data set's cases here, for one model over several (`ckg eval abstention-fit`).")]
               = None,
               specialist: Annotated[bool, typer.Option(
                   help="With --guidelines: the specialist questions (eval/data) instead of the guidelines' "
                        "objectives and interventions, each with its guideline indexed and hidden.")] = False,
               as_json: AsJson = False) -> None:
    """Answer when the source is indexed, abstain when it is hidden: similarity threshold vs the
    abstention model (cross-validated), ROC curves, operating point."""
    from eval import abstention as suite
    from eval.datasets import guidelines as guideline_set
    from eval.datasets import specialist as specialist_set

    report = _report("abstention", "Abstention: answer only what the corpus supports", suite)
    with cli_system() as system:
        datasets = [d for d in (_pubmedqa(corpus, questions, limit, required=False),) if d]
        if guidelines and specialist:
            datasets.append(specialist_set(SPECIALIST_QUESTIONS, guidelines, system.settings.ingest, limit))
        elif guidelines:
            datasets.append(guideline_set(guidelines, system.settings.ingest, tuple(fields.split(",")), limit))
        if not datasets:
            raise typer.BadParameter("give --corpus and --questions, or --guidelines, or both")
        if fit and len(datasets) > 1:
            raise typer.BadParameter("--fit fits on one data set: give PubMedQA or guidelines, not both")
        for dataset in datasets:
            _ingest(system, dataset)
            result, model = suite.evaluate(system, dataset, system.embedder.name, save_cases)
            report.metrics[dataset.name] = result
            suite.add_to_report(report, dataset, result)
        if fit:
            model.save(fit)
            typer.echo(f"abstention model: {fit}", err=True)
    _finish(report, out, as_json)


@eval_app.command("abstention-fit")
def abstention_fit(cases: Annotated[list[Path], typer.Argument(help="Cases kept by `ckg eval abstention "
                                                                    "--save-cases` (.npz), one file per data set.")],
                   fit: Annotated[Path, typer.Option(help="Write the model fitted on all of them here (JSON).")],
                   out: Out = None, as_json: AsJson = False) -> None:
    """One abstention model for several kinds of question, e.g. PubMedQA and guideline queries."""
    from eval import abstention as suite

    report = _report("abstention/combined", "Abstention: one model for every kind of question", suite)
    loaded = {path.stem: suite.load_cases(path) for path in cases}
    embedders = {embedder for embedder, _ in loaded.values()}
    if len(embedders) != 1:
        raise typer.BadParameter(f"the cases were collected with different embedders: {sorted(embedders)}")
    result, model = suite.evaluate_combined({name: own for name, (_, own) in loaded.items()}, embedders.pop())
    report.metrics["combined"] = result
    suite.add_combined_to_report(report, result)
    model.save(fit)
    typer.echo(f"abstention model: {fit}", err=True)
    _finish(report, out, as_json)


@eval_app.command("reader-train")
def reader_train(
    guidelines: Annotated[list[Path], typer.Argument(help="Guideline folders whose key questions it learns from.")],
    out: Annotated[Path, typer.Option(help="Write the reader (a CrossEncoder directory) here.")],
    hold_out: Annotated[Path | None, typer.Option(
        help="Questions JSONL (guideline_id per line): their guidelines are left out, so that the reader "
             "is measured on guidelines it never read (e.g. eval/data/specialist_questions.jsonl).")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the pairs.")] = 2,
) -> None:
    """Trains a reader on the guidelines' own key questions; use it with CKG_RETRIEVAL__READER=<out>."""
    from ckg.jsonl import read_jsonl
    from eval.key_questions import key_questions, labelled_pairs
    from eval.reader_training import train_reader
    from retrieval.embeddings import resolve_model_path

    left_out = frozenset(row["guideline_id"] for _, row in read_jsonl(hold_out)) if hold_out else frozenset()
    questions = key_questions(guidelines, left_out)
    if not questions:
        raise typer.BadParameter("the guidelines state no key questions followed by their answers")
    pairs = labelled_pairs(questions)
    typer.echo(f"{len(questions)} key questions of {len({q.guideline_id for q in questions})} guidelines, "
               f"{len(pairs)} pairs ({len(left_out)} guidelines held out)", err=True)
    base = resolve_model_path(get_settings().embedding.model)
    train_reader(pairs, base, out, epochs, progress=sys.stderr.isatty())
    typer.echo(f"reader: {out}", err=True)


@eval_app.command()
def calibrate(fit: Annotated[Path, typer.Option(help="Write the fitted abstention model here (JSON).")],
              corpus: Corpus = None, questions: Questions = None, guidelines: Guidelines = None,
              limit: Limit = None, out: Out = None, as_json: AsJson = False) -> None:
    """Refit the abstention model on every kind of question, in one command (after changing the
    embedding backend or model): PubMedQA questions, guideline objectives and interventions, and the
    specialist questions, each asked with its source indexed and hidden. Each corpus is ingested into
    its own state directory under CKG_HOME/calibration, on an embedded graph of its own (never the
    configured Neo4j), so that one corpus is never the other's distractor; the directories stay for
    the next calibration."""
    from eval import abstention as suite
    from eval.datasets import guidelines as guideline_set
    from eval.datasets import specialist as specialist_set
    from graph.servers import ArcadeDBServer

    pubmedqa = _pubmedqa(corpus, questions, limit, required=False)
    if pubmedqa is None and guidelines is None:
        raise typer.BadParameter("give --corpus and --questions, --guidelines, or both")
    settings = get_settings()
    kinds: dict[str, Any] = {}
    if pubmedqa is not None:
        kinds["pubmedqa"] = lambda _: [pubmedqa]
    if guidelines is not None:
        def guideline_kinds(ingest: Any) -> list[Any]:
            queries = guideline_set(guidelines, ingest, GUIDELINE_FIELDS, limit)
            return [queries, specialist_set(SPECIALIST_QUESTIONS, guidelines, ingest, limit, queries.documents)]
        kinds["guidelines"] = guideline_kinds
    cases, embedders = {}, set()
    for kind, datasets_of in kinds.items():
        # The model being replaced is not loaded: after a change of embedder it would be refused.
        own = settings.model_copy(update={
            "home": settings.home / "calibration" / kind, "graph": settings.graph.model_copy(update={"uri": None}),
            "retrieval": settings.retrieval.model_copy(update={"abstention": "threshold"})})
        try:
            with cli_system(own) as system:
                for dataset in datasets_of(system.settings.ingest):
                    _ingest(system, dataset)
                    cases[dataset.slug] = suite.collect(system, dataset)
                embedders.add(system.embedder.name)
        finally:
            ArcadeDBServer(own.graph_dir).stop()
    report = _report("abstention/combined", "Abstention: one model for every kind of question", suite)
    result, model = suite.evaluate_combined(cases, embedders.pop())
    report.metrics["combined"] = result
    suite.add_combined_to_report(report, result)
    model.save(fit)
    typer.echo(f"abstention model: {fit}", err=True)
    _finish(report, out, as_json)


@eval_app.command()
def specialist(guidelines: Annotated[Path, typer.Option(help="The guideline folder the questions are about.")],
               questions: Annotated[Path, typer.Option(
                   help="Questions JSONL (qid, kind, question, guideline_id, gold_sha256).")] = SPECIALIST_QUESTIONS,
               limit: Limit = None, out: Out = None, as_json: AsJson = False) -> None:
    """Clinician-style questions: cites the gold guideline, quotes and leads with its recommendation."""
    from eval import specialist as suite
    from eval.specialist_questions import load_questions
    from ingest.pipeline import parse_files

    report = _report("specialist", "Specialist questions: does the answer lead with the recommendation?", suite)
    with cli_system() as system:
        try:
            loaded = load_questions(questions, guidelines, limit)
        except (ValueError, OSError, KeyError) as exc:
            raise typer.BadParameter(str(exc)) from exc
        system.ingest(parse_files([guidelines], system.settings.ingest), progress=sys.stderr.isatty())
        report.metrics["specialist"] = result = suite.evaluate(system, loaded)
        suite.add_to_report(report, result)
    _finish(report, out, as_json)


@eval_app.command()
def faithfulness(guidelines: Guidelines = None,
                 sample: Annotated[int, typer.Option(help="Recommendation sentences to perturb.")] = 300,
                 corpus: Corpus = None, questions: Questions = None, limit: Limit = None, out: Out = None,
                 as_json: AsJson = False) -> None:
    """The claim verifier: detection and false alarms on perturbations; ROC AUC on PubMedQA long answers."""
    from eval import faithfulness as suite

    if guidelines is None and (corpus is None or questions is None):
        raise typer.BadParameter("give --guidelines (perturbations), or --corpus and --questions (ROC AUC), or both")
    report = _report("faithfulness", "Faithfulness: does the verifier catch what is not in the evidence?", suite)
    check = suite.verifier()
    perturbed = suite.perturbation_rates(check, suite.recommendation_cases(guidelines, sample)) if guidelines else None
    hard = suite.hard_perturbation_rates(check, guidelines, sample) if guidelines else None
    auc = suite.pubmedqa_auc(check, corpus, questions, limit) if corpus and questions else None
    report.metrics |= {"perturbations": perturbed, "hard_perturbations": hard, "pubmedqa": auc}
    suite.add_to_report(report, perturbed, auc, hard)
    _finish(report, out, as_json)


@eval_app.command()
def review(scripted: Annotated[bool, typer.Option(
               "--scripted", help="Say in the report that the labels come from scripted reviewers, not clinicians.")
           ] = False,
           out: Out = None, as_json: AsJson = False) -> None:
    """The verifier and retrieval against clinician reviewers' labels; agreement between reviewers."""
    from eval import review as suite
    from runtime.commandline import reported_errors
    from runtime.system import open_graph, review_desk

    report = _report("review", "Review: the system against its clinician reviewers", suite)
    settings = get_settings()
    with reported_errors():  # the graph only: no models are loaded
        graph = open_graph(settings)
        try:
            items = review_desk(settings, graph).items()
        finally:
            graph.close()
    report.metrics["review"] = result = suite.evaluate(items)
    exported = suite.export(items, (out or Path("reports") / "review") / "adjudicated.jsonl")
    report.metrics["exported"] = exported
    suite.add_to_report(report, result, scripted, exported)
    _finish(report, out, as_json)


bench_app = typer.Typer(help="Benchmarks: speed and memory, with ratios measured in one run.", no_args_is_help=True)
eval_app.add_typer(bench_app, name="bench")


@bench_app.command("ingest")
def bench_ingest(guidelines: Annotated[Path, typer.Option(help="Guideline folder to ingest.")],
                 limit: Annotated[int | None, typer.Option(help="Only the first N files.")] = None,
                 out: Out = None, as_json: AsJson = False) -> None:
    """End-to-end ingestion beside bare embedding of the same chunks, in a fresh state directory."""
    from eval.bench import ingest as bench

    report = _report("bench/ingest", "Benchmark: ingestion throughput against the embedding floor", bench)
    report.metrics["result"] = result = bench.run(get_settings(), guidelines, limit)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)


@bench_app.command("update")
def bench_update(guidelines: Annotated[Path, typer.Option(help="Guideline folder (with index.jsonl).")],
                 count: Annotated[int, typer.Option("--count", help="Guidelines to ingest, then update.")] = 20,
                 out: Out = None, as_json: AsJson = False) -> None:
    """Updating one section of each of N guidelines against a full ingest of the same files."""
    from eval.bench import update as bench

    report = _report("bench/update", "Benchmark: guideline updates against full re-ingestion", bench)
    report.metrics["result"] = result = bench.run(get_settings(), guidelines, count)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)


@bench_app.command("answers")
def bench_answers(questions: Annotated[Path, typer.Option(
                      help="Questions JSONL (a 'question' field per line).")] = SPECIALIST_QUESTIONS,
                  limit: Limit = None, out: Out = None, as_json: AsJson = False) -> None:
    """Answer latency per stage over the corpus in CKG_HOME, with and without the sentence cache."""
    from ckg.jsonl import read_jsonl
    from eval.bench import answers as bench

    report = _report("bench/answers", "Benchmark: answer latency, with and without the sentence cache", bench)
    with cli_system() as system:
        texts = [row["question"] for _, row in read_jsonl(questions)][:limit]
        report.metrics["result"] = result = bench.run(system, texts, system.settings.retrieval.sentence_cache)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)


@bench_app.command("crash")
def bench_crash(guidelines: Annotated[Path, typer.Option(help="Guideline folder (with index.jsonl).")],
                trials: Annotated[int, typer.Option(help="Kills, each at a random moment.")] = 50,
                base: Annotated[int, typer.Option(help="Guidelines ingested before the batch.")] = 6,
                new: Annotated[int, typer.Option(help="New guidelines in the batch.")] = 3,
                updated: Annotated[int, typer.Option(help="Base guidelines updated in the batch.")] = 3,
                seed: Annotated[int, typer.Option(help="Draws the guidelines and the kill moments.")] = 7,
                out: Out = None, as_json: AsJson = False) -> None:
    """SIGKILL an ingest of new and updated guidelines at random moments; check every restart."""
    from eval.bench import crash as bench

    report = _report("bench/crash", "Benchmark: ingestion killed at random moments", bench)
    report.metrics["result"] = result = bench.run(get_settings(), guidelines, trials, base, new, updated, seed)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)
    if result["passed"] != trials:
        raise typer.Exit(1)


@bench_app.command("embedding")
def bench_embedding(corpus: Corpus = None, questions: Questions = None, limit: Limit = None,
                    out: Out = None, as_json: AsJson = False) -> None:
    """torch against ONNX int8: encoding speed and retrieval quality on the corpus in CKG_HOME."""
    from eval.bench import embedding as bench

    dataset = _pubmedqa(corpus, questions, limit)
    report = _report("bench/embedding", "Benchmark: embedding backends, speed and retrieval quality", bench)
    with cli_system() as system:
        _ingest(system, dataset)
        report.metrics["result"] = result = bench.run(system, dataset)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)


@bench_app.command("vectors")
def bench_vectors(questions: Questions = None,
                  sizes: Annotated[str, typer.Option(help="Corpus sizes, comma-separated.")] = "100000,1000000",
                  limit: Annotated[int, typer.Option(help="Questions used as queries.")] = 200,
                  also: Annotated[list[Path] | None, typer.Option(
                      help="Another state directory (CKG_HOME) with a corpus ingested by the same embedder: its "
                           "chunk and sentence vectors join the real ones. Repeatable.")] = None,
                  out: Out = None, as_json: AsJson = False) -> None:
    """FAISS index types on the real chunk and sentence vectors in CKG_HOME, and at 100k and 1M grown from them."""
    import numpy as np

    from ckg.jsonl import read_jsonl
    from eval.bench import vectors as bench

    if questions is None:
        raise typer.BadParameter("give --questions (a JSONL file with a 'question' field)")
    report = _report("bench/vectors", "Benchmark: the vector index on real vectors, and grown to larger sizes", bench)
    with cli_system() as system:
        indexes = [system.index] + [_index_in(home, system) for home in also or []]
        base = np.concatenate([index.matrix()[1] for index in indexes])
        sentences = np.unique(np.concatenate([index.sentences.distinct_vectors() for index in indexes]), axis=0)
        texts = [str(row["question"]) for _, row in read_jsonl(questions)][:limit]
        queries = system.embedder.embed(texts)
    report.metrics["result"] = result = bench.run(base, queries, [int(s) for s in sizes.split(",")], sentences)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)


def _index_in(home: Path, system: System) -> VectorIndex:
    """The live index of another state directory, read-only, which must hold this embedder's vectors."""
    from runtime.system import open_index

    index = open_index(system.settings.model_copy(update={"home": home}), system.embedder)
    if not index.count:
        raise typer.BadParameter(f"{home} holds no vector index (ingest a corpus with CKG_HOME={home} first)")
    return index


@bench_app.command("memory")
def bench_memory(guidelines: Annotated[Path, typer.Option(help="Guideline folder: its objectives are the questions.")],
                 limit: Annotated[int, typer.Option(help="Questions to send.")] = 50,
                 out: Out = None, as_json: AsJson = False) -> None:
    """Peak RSS of `ckg serve` with the corpus in CKG_HOME loaded, while answering questions."""
    from ckg.jsonl import read_jsonl
    from eval.bench import memory as bench

    settings = get_settings()
    with cli_system() as system:
        status = system.status()
    corpus = {"vectors": status["index"]["vectors"], "graph": status["graph"]["engine"]}
    questions = [str(r["objective"]) for _, r in read_jsonl(guidelines / "index.jsonl") if r.get("objective")][:limit]
    report = _report("bench/memory", "Benchmark: API server memory with the corpus loaded", bench)
    report.metrics["result"] = result = bench.run(settings, questions)
    report.metrics["corpus"] = corpus
    bench.add_to_report(report, result, corpus)
    _finish(report, out, as_json)


@bench_app.command("load")
def bench_load(clients: Annotated[int, typer.Option(help="Concurrent clients, each with its own API key.")] = 50,
               seconds: Annotated[float, typer.Option(help="How long to keep the load on.")] = 60.0,
               workers: Annotated[str, typer.Option(help="Worker counts to run the server with, one after "
                                                    "another (comma-separated).")] = "1,2",
               out: Out = None, as_json: AsJson = False) -> None:
    """Concurrent clients against `ckg serve` on the corpus in CKG_HOME (e.g. after `ckg demo`)."""
    from eval.bench import load as bench

    questions = [q for q in DEMO_QUESTIONS.read_text().splitlines() if q.strip()]
    report = _report("bench/load", "Benchmark: the API under concurrent load", bench)
    counts = [int(n) for n in workers.split(",")]
    report.metrics["result"] = result = bench.run(get_settings(), questions, clients, seconds, counts)
    bench.add_to_report(report, result)
    _finish(report, out, as_json)


@eval_app.command()
def summary(folder: Annotated[Path, typer.Argument(help="Reports folder.")] = Path("reports")) -> None:
    """Rewrite FOLDER/README.md: the headline figures of every report in it, linked."""
    from eval.summary import write

    typer.echo(f"summary: {write(folder)}")
