"""Crash safety, measured: SIGKILL an ingest of new and updated guidelines at a random moment.

Set-up, from a guideline folder: a *base* set of guidelines, a *batch* of new guidelines plus
updated versions of some base ones (one section each edited, as real updates look). A clean run
(base, then batch, never interrupted) gives the reference state. Each trial then copies the
state directory holding the base alone, starts ``ckg ingest guidelines BATCH`` as its own
process, kills it with SIGKILL at a moment drawn uniformly over the ingestion work of an
uninterrupted run (from the end of its start-up, when the models are loaded, to its end), and
checks:

1. whole or absent: every guideline version in the graph has exactly the sections, chunks,
   concept mentions and recommendations the clean run gave it (nothing half-written);
2. no drift: after a restart (which reconciles), the vector index holds exactly the graph's
   current chunks;
3. the re-run completes, and the final state equals the clean run's: node counts per label,
   relationship count, every version's contents, the current chunk ids, the index's chunk ids.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ckg.settings import Settings
from eval.report import Report
from eval.updates import stage_update_batch
from graph.servers import ArcadeDBServer
from ingest.pipeline import parse_files
from retrieval.embeddings import get_embedder
from retrieval.vector_index import VectorIndex
from runtime.system import System, open_graph

CKG = [sys.executable, "-m", "api.main"]  # as the `ckg` command runs
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Trial:
    killed_after_s: float
    versions_at_kill: int = 0  # batch versions the graph held when the process died
    partial_versions: list[str] = field(default_factory=list)
    drift_at_kill: int = 0  # chunk ids in one of graph/index and not the other, as the kill left them
    drift_after_restart: int = 0  # the same after a restart (which reconciles): must be 0
    rerun_ok: bool = False
    final_equal: bool = False
    problem: str | None = None

    @property
    def passed(self) -> bool:
        return not self.partial_versions and not self.drift_after_restart and self.rerun_ok and self.final_equal


def fingerprint(system: System) -> dict[str, Any]:
    graph = system.graph
    return {"counts": graph.counts(), "versions": graph.version_sizes(),
            "current_chunks": sorted(graph.current_chunk_ids()), "index_chunks": sorted(system.index.chunk_ids())}


def run(settings: Settings, folder: Path, trials: int, base: int, new: int, updated: int,
        seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="ckg-crash-"))
    try:
        base_dir, batch_dir = stage_update_batch(folder, work / "input", base, new, updated, seed)
        template = work / "template"
        template_versions = set(_ingested(settings, template, base_dir)["versions"])
        reference_home = work / "reference"
        shutil.copytree(template, reference_home)
        reference = _ingested(settings, reference_home, batch_dir)
        started = time.perf_counter()
        control = _ingest_process(reference_home.with_name("control"), template, batch_dir, subprocess.PIPE)
        printed, _ = control.communicate()
        duration = time.perf_counter() - started
        # Kill while it ingests: start-up (loading models, starting the graph server) writes nothing.
        working_from = max(0.0, duration - json.loads(printed)["seconds"])
        control_state = _ingested(settings, reference_home.with_name("control"), batch_dir)
        results = [_trial(settings, work / f"trial-{i}", template, batch_dir, rng.uniform(working_from, duration),
                          reference, template_versions)
                   for i in tqdm(range(trials), desc="crash trials", unit="trial")]
    finally:
        for home in work.glob("*"):
            ArcadeDBServer(home / "graph").stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "trials": trials, "passed": sum(t.passed for t in results), "seed": seed,
        "base_guidelines": base, "new_guidelines": new, "updated_guidelines": updated,
        "uninterrupted_run_s": round(duration, 1), "ingesting_from_s": round(working_from, 1),
        "control_equals_reference": control_state == reference,
        "killed_mid_batch": sum(0 < t.versions_at_kill < new + updated for t in results),
        "killed_before_any_write": sum(t.versions_at_kill == 0 for t in results),
        "killed_between_graph_and_index": sum(t.drift_at_kill > 0 for t in results),
        "partial_versions": sum(len(t.partial_versions) for t in results),
        "drift_after_restart": sum(t.drift_after_restart for t in results),
        "reruns_completed": sum(t.rerun_ok for t in results),
        "final_equal_to_clean_ingest": sum(t.final_equal for t in results),
        "details": [t.__dict__ for t in results],
    }


def _settings(settings: Settings, home: Path) -> Settings:
    return settings.model_copy(update={"home": home, "graph": settings.graph.model_copy(update={"uri": None})})


def _ingested(settings: Settings, home: Path, folder: Path) -> dict[str, Any]:
    """Open the state directory (reconciling), ingest the folder to completion and return the state's
    fingerprint; the graph server is stopped after, so the directory can be copied."""
    system = System.open(_settings(settings, home))
    try:
        system.ingest(parse_files([folder], system.settings.ingest))
        return fingerprint(system)
    finally:
        system.close()
        ArcadeDBServer(home / "graph").stop()


def _ingest_process(home: Path, template: Path, batch: Path,
                    stdout: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    shutil.copytree(template, home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKG_")} | {"CKG_HOME": str(home)}
    return subprocess.Popen([*CKG, "ingest", "guidelines", str(batch), "--json"], env=env, cwd=REPO,
                            stdout=stdout, stderr=subprocess.DEVNULL)


def _trial(settings: Settings, home: Path, template: Path, batch: Path, kill_at: float,
           reference: dict[str, Any], template_versions: set[str]) -> Trial:
    process = _ingest_process(home, template, batch)
    time.sleep(kill_at)
    process.send_signal(signal.SIGKILL)
    process.wait()
    trial = Trial(round(kill_at, 2))
    try:
        # As the killed process left it, before anything repairs it.
        sizes, graph_chunks = _graph_state(settings, home)
        expected = reference["versions"]
        trial.partial_versions = [v for v, size in sizes.items()
                                  if v not in expected or _contents(size) != _contents(expected[v])]
        trial.versions_at_kill = len(set(sizes) - template_versions)
        embedder = get_embedder(settings.embedding)
        index = VectorIndex.open(_settings(settings, home).index_dir, embedder.name, embedder.dimension)
        trial.drift_at_kill = len(index.chunk_ids() ^ graph_chunks)
        system = System.open(_settings(settings, home))  # a restart: reconciles the index with the graph
        try:
            trial.drift_after_restart = len(system.index.chunk_ids() ^ system.graph.current_chunk_ids())
            system.ingest(parse_files([batch], system.settings.ingest))
            trial.rerun_ok = True
            trial.final_equal = fingerprint(system) == reference
        finally:
            system.close()
    except Exception as exc:  # a trial that breaks is a failed trial, reported, not a crashed benchmark
        trial.problem = f"{type(exc).__name__}: {exc}"
    finally:
        ArcadeDBServer(home / "graph").stop()
        shutil.rmtree(home, ignore_errors=True)
    return trial


def _graph_state(settings: Settings, home: Path) -> tuple[dict[str, Any], set[str]]:
    """Every version's contents and the current chunk ids, read with the graph alone (no repair)."""
    graph = open_graph(_settings(settings, home))
    try:
        return graph.version_sizes(), graph.current_chunk_ids()
    finally:
        graph.close()


def _contents(size: dict[str, Any]) -> tuple[int, ...]:
    return size["sections"], size["chunks"], size["mentions"], size["recommendations"]


def add_to_report(report: Report, result: dict[str, Any]) -> None:
    report.text(
        f"{result['trials']} trials: the ingest of {result['new_guidelines']} new and {result['updated_guidelines']} "
        f"updated guidelines (over {result['base_guidelines']} already ingested) killed with SIGKILL at a random "
        f"moment of its ingestion work (from {result['ingesting_from_s']} s, after loading the models, to the end of "
        f"its {result['uninterrupted_run_s']} s run); **{result['passed']} of {result['trials']} passed** "
        "every check.")
    report.table({"after the kill": {
        "killed mid-batch (some versions written, not all)": result["killed_mid_batch"],
        "killed before any write": result["killed_before_any_write"],
        "killed between a graph write and the index save": result["killed_between_graph_and_index"],
        "partially present versions": result["partial_versions"],
        "graph/index drift after restart (chunk ids)": result["drift_after_restart"],
        "re-runs completed": result["reruns_completed"],
        "final state equal to a clean ingest": result["final_equal_to_clean_ingest"],
        "uninterrupted control run equal to the reference": result["control_equals_reference"],
    }}, "")
