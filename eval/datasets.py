"""Evaluation data sets: a corpus of documents and queries whose gold answer is one document.

PubMedQA: each question's gold is its own abstract (``pmid-<gold_pmid>``).
Guidelines: each guideline's ``objective`` and ``interventions`` (from ``index.jsonl``) are
queries whose gold is the guideline itself. Those fields are copied from sections of the
guideline (BM25 finds them word for word); with ``withhold_query_sections`` the documents are
indexed without those sections, so that a query has to find its guideline by what the rest says.
Specialist questions (``eval/data``): a clinician's question whose gold is the guideline that
holds its answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ckg.jsonl import read_jsonl
from ckg.settings import IngestSettings
from ckg.types import Document
from ingest.loaders.pubmedqa import iter_documents
from ingest.pipeline import parse_files

GUIDELINE_FIELDS = ("objective", "interventions")
# The section of an NGC summary each query field was copied from.
QUERY_SECTIONS = {"objective": "Guideline Objective", "interventions": "Interventions and Practices Considered"}


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
               limit: int | None = None, withhold_query_sections: bool = False) -> Dataset:
    rows = [row for _, row in read_jsonl(folder / "index.jsonl")][:limit]
    queries = [Query(str(r[f]), str(r["id"]), f, r) for f in fields for r in rows if r.get(f)]
    documents = parse_files([folder], settings)
    if not withhold_query_sections:
        return Dataset(f"Guidelines ({folder.name})", documents, queries)
    withheld = tuple(QUERY_SECTIONS[f] for f in fields if f in QUERY_SECTIONS)
    return Dataset(f"Guidelines ({folder.name}, query sections withheld)",
                   [without_sections(d, withheld) for d in documents], queries)


def specialist(questions: Path, folder: Path, settings: IngestSettings, limit: int | None = None,
               documents: list[Document] | None = None) -> Dataset:
    """The questions about guidelines the folder holds (a question whose guideline is elsewhere
    cannot be asked with its source indexed); ``documents``: the folder already parsed."""
    documents = parse_files([folder], settings) if documents is None else documents
    held = {doc.meta.guideline_id for doc in documents}
    rows = [row for _, row in read_jsonl(questions) if row["guideline_id"] in held][:limit]
    queries = [Query(str(r["question"]), str(r["guideline_id"]), "specialist", r) for r in rows]
    return Dataset(f"Specialist questions ({folder.name})", documents, queries)


def without_sections(doc: Document, headings: tuple[str, ...]) -> Document:
    """The document with every section whose path names one of ``headings`` cut out of its text
    (the sections left still tile the text, their offsets moved up)."""
    kept, pieces, offset = [], [], 0
    for section in doc.sections:
        if any(heading.lower() in section.path.lower() for heading in headings):
            continue
        piece = doc.text[section.char_start : section.char_end]
        kept.append(replace(section, char_start=offset, char_end=offset + len(piece)))
        pieces.append(piece)
        offset += len(piece)
    return replace(doc, text="".join(pieces), sections=kept)
