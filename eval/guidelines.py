"""Guideline retrieval: each guideline's objective as a query, the guideline itself as gold.

    CKG_HOME=... python -m eval.guidelines --guidelines ../shared/data/guidelines/ngc-dev [--json]

Ingests the folder (a no-op when already there), then reports recall@1/5/10 (= hit@k, one
gold per query) and MRR@10 for each retriever channel set, all in the same run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.system import System
from ckg.jsonl import read_jsonl
from ckg.settings import get_settings
from eval.metrics import CHANNEL_SETS, ranked_documents, ranking_metrics
from ingest.pipeline import parse_files


def run(folder: Path, field: str) -> dict[str, object]:
    system = System.open(get_settings())
    try:
        documents = parse_files([folder], system.settings.ingest)
        report = system.ingest(documents, progress=True).as_dict()
        rows = [row for _, row in read_jsonl(folder / "index.jsonl") if row.get(field)]
        golds = [r["id"] for r in rows]
        results = {
            name: ranking_metrics([ranked_documents(system, r[field], channels) for r in rows], golds)
            for name, channels in CHANNEL_SETS.items()
        }
        return {"queries": len(rows), "field": field, "ingest": {k: v for k, v in report.items() if k != "versions"},
                "retrievers": results}
    finally:
        system.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guidelines", type=Path, required=True, help="folder with HTML files and index.jsonl")
    parser.add_argument("--field", default="objective", help="index.jsonl field used as the query")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.guidelines, args.field), indent=None if args.json else 2))


if __name__ == "__main__":
    main()
