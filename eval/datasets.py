"""Evaluation data sets: a corpus of documents and queries whose gold answer is one document.

PubMedQA: each question's gold is its own abstract (``pmid-<gold_pmid>``).
Guidelines: each guideline's ``objective`` and ``interventions`` (from ``index.jsonl``) are
queries whose gold is the guideline itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ckg.jsonl import read_jsonl
from ckg.settings import IngestSettings
from ckg.types import Document
from ingest.loaders.pubmedqa import iter_documents
from ingest.pipeline import parse_files

GUIDELINE_FIELDS = ("objective", "interventions")


@dataclass(frozen=True)
class Query:
    text: str
    gold: str
    kind: str  # "question", or the index.jsonl field the query came from
    row: dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    name: str
    documents: list[Document]
    queries: list[Query]

    @property
    def slug(self) -> str:
        """The name as a file name part: "PubMedQA (dev_questions.jsonl)" -> "pubmedqa-dev-questions-jsonl"."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def pubmedqa(corpus: Path, questions: Path, limit: int | None = None) -> Dataset:
    rows = [row for _, row in read_jsonl(questions)][:limit]
    queries = [Query(str(r["question"]), f"pmid-{r['gold_pmid']}", "question", r) for r in rows]
    return Dataset(f"PubMedQA ({questions.name})", list(iter_documents(corpus)), queries)


def guidelines(folder: Path, settings: IngestSettings, fields: tuple[str, ...] = GUIDELINE_FIELDS,
               limit: int | None = None) -> Dataset:
    rows = [row for _, row in read_jsonl(folder / "index.jsonl")][:limit]
    queries = [Query(str(r[f]), str(r["id"]), f, r) for f in fields for r in rows if r.get(f)]
    return Dataset(f"Guidelines ({folder.name})", parse_files([folder], settings), queries)
