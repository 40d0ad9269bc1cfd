"""Records in: read and validate, gate for PHI, keep the whitelisted facts, write one
transaction per bundle. A rejected bundle writes nothing; the others go on."""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ckg.errors import InputError
from ckg.keyfiles import read_or_create
from ckg.nlp.concepts import Concept
from ckg.nlp.pipeline import ClinicalNLP
from graph.store import GraphStore, PatientWrite
from ingest.concepts import with_ancestors
from ingest.records import phi
from ingest.records.facts import PatientFacts, extract
from ingest.records.fhir import RecordInput, read_records

log = logging.getLogger(__name__)
MAX_PATHS_PER_CATEGORY = 10
RECORD_SUFFIXES = {".json", ".ndjson"}
_CONCEPT_KINDS = {"condition": "condition", "medication": "drug", "observation": "observation",
                  "procedure": "procedure", "immunization": "vaccine", "encounter": "encounter"}


@dataclass
class RecordReport:
    ingested: list[str] = field(default_factory=list)  # patient keys
    rejected: list[dict[str, Any]] = field(default_factory=list)  # source + problem or identifiers found
    resources: int = 0
    facts: int = 0
    seconds: float = 0.0
    deidentified: Counter[str] = field(default_factory=Counter)  # identifier category -> bundles transformed

    def as_dict(self) -> dict[str, Any]:
        return {"ingested": len(self.ingested), "patient_keys": self.ingested, "rejected": self.rejected,
                "resources": self.resources, "facts": self.facts, "seconds": round(self.seconds, 2),
                "resources_per_s": round(self.resources / self.seconds, 1) if self.seconds else None,
                "deidentification": dict(sorted(self.deidentified.items()))}


def pseudonym_secret(configured: str, home: Path) -> bytes:
    """The configured secret, or one generated once and kept (0600) in the state directory."""
    if configured:
        return configured.encode()
    return read_or_create(home / "records.key", lambda: secrets.token_hex(32)).encode()


def record_files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if not path.exists():
            raise InputError("does not exist", source=str(path))
        found += sorted(p for p in path.rglob("*") if p.suffix in RECORD_SUFFIXES) if path.is_dir() else [path]
    return found


@dataclass
class RecordIngestor:
    graph: GraphStore
    nlp: ClinicalNLP
    secret: bytes
    max_bytes: int

    def ingest(self, paths: list[Path], deidentify: bool = False, progress: bool = False) -> RecordReport:
        from tqdm import tqdm

        report = RecordReport()
        started = time.perf_counter()
        for path in tqdm(record_files(paths), desc="records", unit="file", disable=not progress):
            try:
                for record in read_records(path, self.max_bytes):
                    self._one(record, deidentify, report)
            except InputError as exc:
                report.rejected.append({"source": str(path), "problem": str(exc)})
        report.seconds = time.perf_counter() - started
        return report

    def ingest_bundle(self, record: RecordInput, deidentify: bool) -> RecordReport:
        report = RecordReport()
        started = time.perf_counter()
        self._one(record, deidentify, report)
        report.seconds = time.perf_counter() - started
        return report

    def _one(self, record: RecordInput, deidentify: bool, report: RecordReport) -> None:
        findings = phi.scan(record.raw)
        if findings and not deidentify:
            report.rejected.append({"source": record.source, "identifiers": summarise(findings)})
            log.info("record rejected by the PHI gate categories=%d", len({f.category for f in findings}))
            return
        try:
            facts = extract(record.resources, self.secret)
        except InputError as exc:
            report.rejected.append({"source": record.source, "problem": str(exc)})
            return
        self.graph.write_patient(self._write(facts))
        report.ingested.append(facts.patient_key)
        report.resources += len(record.resources)
        report.facts += len(facts.facts)
        report.deidentified.update({f.category for f in findings} | set(facts.removed))
        log.info("patient stored patient_key=%s facts=%d", facts.patient_key, len(facts.facts))

    def _write(self, facts: PatientFacts) -> PatientWrite:
        concepts: dict[str, Concept] = {}
        links: set[tuple[str, str]] = set()
        for fact in facts.facts:
            if fact.concept_id not in concepts:
                name = fact.display or f"{fact.system} {fact.code}"
                concepts[fact.concept_id] = Concept(fact.concept_id, name, fact.system, fact.code,
                                                    _CONCEPT_KINDS[fact.kind])
                for mention in self.nlp.analyze(fact.display) if fact.display else []:
                    with_ancestors(self.nlp, mention.concept, concepts)
                    links.add((fact.concept_id, mention.concept.concept_id))
        patient = {"patient_key": facts.patient_key, "birth_year": facts.birth_year, "sex": facts.sex,
                   "age_band": facts.age_band, "zip3": facts.zip3}
        rows = [{"concept_id": f.concept_id, "kind": f.kind, "year": f.year, "status": f.status, "value": f.value,
                 "unit": f.unit} for f in facts.facts]
        return PatientWrite(patient, rows, list(concepts.values()),
                            [{"source": s, "target": t} for s, t in sorted(links)])


def summarise(findings: list[phi.Finding]) -> dict[str, dict[str, Any]]:
    """category -> how many, and the first JSON paths: never the values."""
    by_category: dict[str, list[str]] = {}
    for finding in findings:
        by_category.setdefault(finding.category, []).append(finding.path)
    return {c: {"count": len(p), "paths": p[:MAX_PATHS_PER_CATEGORY]} for c, p in sorted(by_category.items())}

