"""Guideline updates against full re-ingestion, same run.

From a guideline folder: N guidelines are ingested into a fresh state directory, then each is
updated with one section edited (a sentence added to its recommendations) and ingested again. The
update embeds only the chunks whose text changed and reports the diff per guideline; the baseline
is a full ingest of the very same updated files into another fresh state directory.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ckg.settings import Settings
from eval.report import Report
from eval.updates import stage_update_batch
from graph.servers import ArcadeDBServer
from ingest.pipeline import IngestReport, parse_files
from runtime.system import System


def run(settings: Settings, folder: Path, guidelines: int, seed: int = 7) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ckg-bench-update-"))
    try:
        base, batch = stage_update_batch(folder, work / "input", guidelines, 0, guidelines, seed)
        first, update = _ingest(settings, work / "incremental", [base, batch])
        (full,) = _ingest(settings, work / "full", [batch])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    changes = Counter[str]()
    for change in update.changes:
        changes.update(change.summary())
    return {
        "guidelines": guidelines, "updated": update.updated, "chunks_in_updated_versions": update.chunks,
        "vectors_embedded": update.vectors_embedded, "vectors_reused": update.vectors_reused,
        "changed_chunks_in_diffs": sum(c.chunks_added for c in update.changes),
        "update_s": round(update.seconds, 1), "full_reingest_s": round(full.seconds, 1),
        "update_over_full": round(update.seconds / full.seconds, 3) if full.seconds else None,
        "full_reingest_vectors_embedded": full.vectors_embedded, "first_ingest_s": round(first.seconds, 1),
        "changes": dict(sorted(changes.items())),
    }


def _ingest(settings: Settings, home: Path, folders: list[Path]) -> list[IngestReport]:
    fresh = settings.model_copy(update={"home": home, "graph": settings.graph.model_copy(update={"uri": None})})
    system = System.open(fresh)
    try:
        reports = []
        for folder in folders:
            documents = parse_files([folder], fresh.ingest)
            started = time.perf_counter()
            reports.append(system.ingest(documents, progress=True))
            reports[-1].seconds = time.perf_counter() - started
        return reports
    finally:
        system.close()
        ArcadeDBServer(fresh.graph_dir).stop()


def add_to_report(report: Report, result: dict[str, Any]) -> None:
    report.text(
        f"{result['updated']} of {result['guidelines']} guidelines updated (one section each): the update embedded "
        f"**{result['vectors_embedded']} of {result['chunks_in_updated_versions']} chunks** (the diffs name "
        f"{result['changed_chunks_in_diffs']} changed chunks; {result['vectors_reused']} kept their vectors) and took "
        f"**{result['update_s']} s against {result['full_reingest_s']} s** for a full ingest of the same files "
        f"({result['update_over_full']:.0%}).")
    report.table({"diffs": result["changes"]}, "")
