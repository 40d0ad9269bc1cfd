"""Graph store: the Protocol the rest of the system codes against, and its Bolt implementation.

One implementation serves both engines: Neo4j and the embedded ArcadeDB speak Bolt and
openCypher, so the only difference between them is the URI.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import AuthError, ServiceUnavailable

from ckg import ids
from ckg.errors import GraphUnavailable
from ckg.nlp.concepts import Concept
from ckg.types import Chunk, Document, Provenance, Recommendation
from graph import cypher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkMention:
    chunk_id: str
    concept_id: str
    assertion: str
    count: int


@dataclass(frozen=True)
class VersionWrite:
    """One document version to store: everything goes in one transaction."""

    document: Document
    version_id: str
    content_sha256: str
    chunks: list[Chunk]
    concepts: list[Concept] = field(default_factory=list)  # mentioned ones and their IS_A ancestors
    mentions: list[ChunkMention] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    valid_from: str = ""  # ISO instant; the version it replaces is valid until then
    actor: str = "cli"


@dataclass(frozen=True)
class GuidelineState:
    """A guideline as the version history sees it: its current version, and whether it was retired
    (``retired``: "withdrawn" or "superseded", with who did it, when and why)."""

    guideline_id: str
    title: str
    developer: str | None
    current_version: str | None
    current_valid_from: str | None
    retired: str | None = None
    retired_at: str | None = None
    retired_by: str | None = None
    retired_reason: str | None = None
    superseded_by: str | None = None


@dataclass(frozen=True)
class Retirement:
    """Withdraw a guideline, or mark it superseded by another (``by``); ``source``: who decided
    (a person's actor id) or where it was read ("metadata")."""

    guideline_id: str
    kind: str  # "withdrawn" | "superseded"
    at: str
    actor: str
    reason: str | None = None
    by: str | None = None
    source: str = "manual"


@dataclass
class PatientWrite:
    """A patient (pseudonymous, generalised) and its coded facts, with the concepts they link to."""

    patient: dict[str, Any]  # patient_key, birth_year, sex, age_band, zip3
    facts: list[dict[str, Any]]  # concept_id, kind, year, status, value, unit
    concepts: list[Concept]  # the facts' code concepts and the guideline concepts they map to
    maps_to: list[dict[str, str]]  # {"source": code concept id, "target": guideline concept id}


@dataclass(frozen=True)
class GradedSpan:
    """A recommendation's span in a chunk's document and its normalised grade."""

    rec_id: str
    char_start: int
    char_end: int
    label: str | None
    scheme: str | None
    direction: str | None
    strength: str | None
    certainty: str | None


@dataclass(frozen=True)
class ApiKeyRow:
    """An API key as stored: its argon2 hash, never the key. ``revoked`` is a UTC timestamp or None."""

    key_id: str
    name: str
    role: str
    hash: str
    created: str
    revoked: str | None = None


@dataclass(frozen=True)
class ReviewItemRow:
    """A review item as stored (``item``: its properties), with its reviews and the cited guideline."""

    item: dict[str, Any]
    reviews: list[dict[str, Any]]
    guideline_id: str
    title: str
    developer: str | None
    released: str | None


class GraphStore(Protocol):
    """What the rest of the system asks of the knowledge graph. Every member is exercised on every
    engine by ``tests/contracts/graph_store.py``."""

    uri: str

    @property
    def engine(self) -> str: ...

    def ensure_schema(self) -> None: ...
    def ping(self) -> None: ...
    def find_version(self, guideline_id: str, sha: str) -> str | None: ...
    def current_chunks_replaced_by(self, guideline_id: str, version_id: str) -> list[str]: ...
    def write_version(self, write: VersionWrite) -> None: ...
    def guideline_state(self, guideline_id: str) -> GuidelineState | None: ...
    def version_history(self, guideline_id: str) -> list[dict[str, Any]]: ...
    def superseded_guidelines(self, guideline_id: str) -> list[dict[str, Any]]: ...
    def version_sections(self, version_id: str) -> list[dict[str, Any]]: ...
    def version_recommendations(self, version_id: str) -> list[dict[str, Any]]: ...
    def retire(self, retirement: Retirement) -> str | None: ...
    def active_guideline_titles(self) -> list[dict[str, Any]]: ...
    def versions_as_of(self, at: str) -> dict[str, str]: ...
    def chunks_of_versions(self, version_ids: list[str]) -> dict[str, tuple[str, str]]: ...
    def section_chunks_of_versions(self, version_ids: list[str], path_contains: str,
                                   limit: int = 40) -> list[Provenance]: ...
    def chunk_versions(self, chunk_ids: list[str]) -> dict[str, dict[str, Any]]: ...
    def version_sizes(self) -> dict[str, dict[str, Any]]: ...
    def provenance(self, chunk_ids: list[str]) -> dict[str, Provenance]: ...
    def section_chunks(self, guideline_ids: list[str], path_contains: str, limit: int = 40) -> list[Provenance]: ...
    def current_chunk_ids(self) -> set[str]: ...
    def concept_neighbours(self, concept_ids: list[str]) -> set[str]: ...
    def recommendations_of(self, chunk_ids: list[str]) -> dict[str, list[GradedSpan]]: ...
    def chunks_mentioning(self, concept_ids: list[str]) -> dict[str, list[str]]: ...
    def concept_chunk_counts(self, concept_ids: list[str]) -> dict[str, int]: ...
    def headings(self) -> dict[str, str]: ...
    def chunk_texts(self, chunk_ids: list[str]) -> dict[str, tuple[str, str]]: ...
    def write_patient(self, write: PatientWrite) -> None: ...
    def patient(self, patient_key: str) -> dict[str, Any] | None: ...
    def patient_facts(self, patient_key: str) -> list[dict[str, Any]]: ...
    def mentions_in(self, chunk_ids: list[str], concept_ids: list[str]) -> list[dict[str, str]]: ...
    def ancestors(self, concept_ids: list[str]) -> dict[str, list[str]]: ...
    def guideline_of(self, chunk_ids: Iterable[str]) -> dict[str, str]: ...
    def counts(self) -> dict[str, Any]: ...
    def create_api_key(self, key: ApiKeyRow) -> None: ...
    def api_key(self, key_id: str) -> ApiKeyRow | None: ...
    def api_keys(self) -> list[ApiKeyRow]: ...
    def revoke_api_key(self, key_id: str, at: str) -> bool: ...
    def save_audit_head(self, chain: str, seq: int, entry_hash: str, time: str) -> None: ...
    def audit_head(self, chain: str) -> dict[str, Any] | None: ...
    def save_review_items(self, items: list[dict[str, Any]]) -> int: ...
    def review_items(self, item_ids: list[str]) -> list[ReviewItemRow]: ...
    def review_queue(self, statuses: list[str], limit: int) -> list[ReviewItemRow]: ...
    def reviews_of_pairs(self, pair_keys: list[str]) -> list[ReviewItemRow]: ...
    def all_review_items(self) -> list[ReviewItemRow]: ...
    def add_review(self, item_id: str, review: dict[str, Any]) -> bool: ...
    def set_review_status(self, item_id: str, status: str, final: str | None) -> None: ...
    def passage(self, chunk_id: str) -> dict[str, Any] | None: ...
    def version_owners(self, version_ids: list[str]) -> dict[str, dict[str, str]]: ...
    def delete_everything(self) -> None: ...
    def close(self) -> None: ...


class BoltGraphStore:
    """GraphStore over the official neo4j driver."""

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        *,
        database: str | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.uri = uri
        self._database = database
        self._closed = False
        self._driver: Driver = GraphDatabase.driver(
            uri, auth=(user, password), connection_timeout=connect_timeout_s,
            max_transaction_retry_time=connect_timeout_s,
        )

    # -- plumbing -------------------------------------------------------------------------
    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A server that cannot be reached (or a store already closed) is GraphUnavailable."""
        if self._closed:
            raise GraphUnavailable(f"the connection to the graph database at {self.uri} is closed")
        try:
            yield
        except (ServiceUnavailable, AuthError, OSError) as exc:
            raise GraphUnavailable(f"graph database at {self.uri} is unreachable: {exc}") from exc

    def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        with self._reachable():
            records, _, _ = self._driver.execute_query(query, params, database_=self._database, routing_="r")
        return [r.data() for r in records]

    def _write(self, work: Any, *args: Any) -> Any:
        with self._reachable(), self._driver.session(database=self._database) as session:
            return session.execute_write(work, *args)

    def close(self) -> None:
        self._closed = True
        self._driver.close()

    @property
    def engine(self) -> str:
        """What the server says it is, e.g. "Neo4j/5.26.0" or "... (ArcadeDB 26.10.2)"."""
        with self._reachable():
            return str(self._driver.get_server_info().agent)

    # -- schema and health ----------------------------------------------------------------
    def ping(self) -> None:
        self._read(cypher.PING)

    def ensure_schema(self) -> None:
        """Idempotent: every statement is IF NOT EXISTS."""
        for label, key in cypher.UNIQUE_KEYS.items():
            with self._reachable():
                self._driver.execute_query(cypher.unique_constraint(label, key), database_=self._database)

    # -- guideline versions ---------------------------------------------------------------
    def find_version(self, guideline_id: str, sha: str) -> str | None:
        rows = self._read(cypher.VERSION_SHA, guideline_id=guideline_id, sha=sha)
        return rows[0]["version_id"] if rows and rows[0]["current"] else None

    def current_chunks_replaced_by(self, guideline_id: str, version_id: str) -> list[str]:
        rows = self._read(cypher.CURRENT_CHUNKS_OF_OTHER_VERSIONS, guideline_id=guideline_id, version_id=version_id)
        return [r["chunk_id"] for r in rows]

    def write_version(self, write: VersionWrite) -> None:
        self._write(_write_version_tx, write)

    # -- the version history ----------------------------------------------------------------
    def guideline_state(self, guideline_id: str) -> GuidelineState | None:
        rows = self._read(cypher.GUIDELINE_STATE, guideline_id=guideline_id)
        return GuidelineState(**rows[0]) if rows else None

    def version_history(self, guideline_id: str) -> list[dict[str, Any]]:
        """Every version of a guideline, oldest first, with when it was valid."""
        return self._read(cypher.VERSION_HISTORY, guideline_id=guideline_id)

    def superseded_guidelines(self, guideline_id: str) -> list[dict[str, Any]]:
        """The guidelines this one superseded, with when, by whom and on what grounds."""
        return self._read(cypher.SUPERSEDES, guideline_id=guideline_id)

    def version_sections(self, version_id: str) -> list[dict[str, Any]]:
        """A version's chunks in document order, each with its section path: what a diff compares."""
        return self._read(cypher.VERSION_SECTIONS, version_id=version_id)

    def version_recommendations(self, version_id: str) -> list[dict[str, Any]]:
        return self._read(cypher.VERSION_RECOMMENDATIONS, version_id=version_id)

    def retire(self, retirement: Retirement) -> str | None:
        """Withdraw or supersede a guideline in one transaction: it stays as history, its current
        version stops being current (valid until now). Returns the version that was current."""
        return self._write(_retire_tx, retirement)

    def active_guideline_titles(self) -> list[dict[str, Any]]:
        return self._read(cypher.ACTIVE_GUIDELINE_TITLES)

    def versions_as_of(self, at: str) -> dict[str, str]:
        """Guideline id -> the version that was current at the instant ``at``."""
        return {r["guideline_id"]: r["version_id"] for r in self._read(cypher.VERSIONS_AS_OF, at=at)}

    def chunks_of_versions(self, version_ids: list[str]) -> dict[str, tuple[str, str]]:
        """chunk id -> (text, header) for every chunk of these versions."""
        rows = self._read(cypher.CHUNKS_OF_VERSIONS, version_ids=version_ids)
        return {r["chunk_id"]: (r["text"], r["header"]) for r in rows}

    def section_chunks_of_versions(self, version_ids: list[str], path_contains: str,
                                   limit: int = 40) -> list[Provenance]:
        """``section_chunks`` for given versions (answers as of a date) instead of the current ones."""
        rows = self._read(cypher.SECTION_CHUNKS_OF_VERSIONS, version_ids=version_ids,
                          path_contains=path_contains.lower(), limit=limit)
        return [Provenance(**r) for r in rows]

    def chunk_versions(self, chunk_ids: list[str]) -> dict[str, dict[str, Any]]:
        """chunk id -> its version, whether that is current, its section and text."""
        return {r.pop("chunk_id"): r for r in self._read(cypher.CHUNK_VERSIONS, chunk_ids=chunk_ids)}

    def version_sizes(self) -> dict[str, dict[str, Any]]:
        """Version id -> whether it is current and how many sections, chunks, mentions and
        recommendations it has: what the crash harness compares with a clean ingest."""
        return {r.pop("version_id"): r for r in self._read(cypher.VERSION_SIZES)}

    # -- reads for retrieval --------------------------------------------------------------
    def provenance(self, chunk_ids: list[str]) -> dict[str, Provenance]:
        rows = self._read(cypher.PROVENANCE, chunk_ids=chunk_ids)
        return {r["chunk_id"]: Provenance(**r) for r in rows}

    def section_chunks(self, guideline_ids: list[str], path_contains: str, limit: int = 40) -> list[Provenance]:
        """Chunks of the current versions' sections whose path contains a phrase (case-insensitive)."""
        rows = self._read(cypher.SECTION_CHUNKS, guideline_ids=guideline_ids,
                          path_contains=path_contains.lower(), limit=limit)
        return [Provenance(**r) for r in rows]

    def current_chunk_ids(self) -> set[str]:
        rows = self._read(cypher.CURRENT_CHUNK_IDS)
        return set(rows[0]["chunk_ids"]) if rows else set()

    def recommendations_of(self, chunk_ids: list[str]) -> dict[str, list[GradedSpan]]:
        """chunk id -> the recommendations it supports."""
        found: dict[str, list[GradedSpan]] = {}
        for row in self._read(cypher.RECOMMENDATIONS_OF_CHUNKS, chunk_ids=chunk_ids):
            found.setdefault(row.pop("chunk_id"), []).append(GradedSpan(**row))
        return found

    def concept_neighbours(self, concept_ids: list[str]) -> set[str]:
        """Concepts one IS_A step away, up or down."""
        return {r["concept_id"] for r in self._read(cypher.CONCEPT_NEIGHBOURS, concept_ids=concept_ids)}

    def chunks_mentioning(self, concept_ids: list[str]) -> dict[str, list[str]]:
        """Current chunk id -> which of the concepts it mentions (negated mentions do not count).

        A MeSH heading counts as mentioned by every chunk of the documents indexed under it.
        """
        found: dict[str, list[str]] = {}
        for r in self._read(cypher.CHUNKS_MENTIONING, concept_ids=concept_ids):
            found.setdefault(r["chunk_id"], []).extend(r["concepts"])
        return found

    def concept_chunk_counts(self, concept_ids: list[str]) -> dict[str, int]:
        """How many chunks mention each concept: the document frequency behind its weight."""
        counts: dict[str, int] = {}
        for r in self._read(cypher.CONCEPT_CHUNK_COUNTS, concept_ids=concept_ids):
            counts[r["concept_id"]] = counts.get(r["concept_id"], 0) + r["chunks"]
        return counts

    def headings(self) -> dict[str, str]:
        """MeSH heading concept id -> heading, for every heading a document is indexed under."""
        return {r["concept_id"]: r["name"] for r in self._read(cypher.HEADINGS)}

    def chunk_texts(self, chunk_ids: list[str]) -> dict[str, tuple[str, str]]:
        """chunk id -> (text, header) for re-embedding chunks the index lost."""
        rows = self._read(cypher.CHUNK_TEXTS, chunk_ids=chunk_ids)
        return {r["chunk_id"]: (r["text"], r["header"]) for r in rows}

    def guideline_of(self, chunk_ids: Iterable[str]) -> dict[str, str]:
        rows = self._read(cypher.GUIDELINE_OF_CHUNKS, chunk_ids=list(chunk_ids))
        return {r["chunk_id"]: r["guideline_id"] for r in rows}

    # -- patients ---------------------------------------------------------------------------
    def write_patient(self, write: PatientWrite) -> None:
        """The patient and all its facts, replacing any facts stored before: one transaction."""
        self._write(_write_patient_tx, write)

    def patient(self, patient_key: str) -> dict[str, Any] | None:
        rows = self._read(cypher.PATIENT, patient_key=patient_key)
        return rows[0] if rows else None

    def patient_facts(self, patient_key: str) -> list[dict[str, Any]]:
        return self._read(cypher.PATIENT_FACTS, patient_key=patient_key)

    def mentions_in(self, chunk_ids: list[str], concept_ids: list[str]) -> list[dict[str, str]]:
        """Which of the concepts these chunks mention, and with what assertion."""
        return self._read(cypher.MENTIONS_IN_CHUNKS, chunk_ids=chunk_ids, concept_ids=concept_ids)

    def ancestors(self, concept_ids: list[str]) -> dict[str, list[str]]:
        """Concept id -> its IS_A ancestors (up to four steps)."""
        return {r["concept_id"]: r["ancestors"] for r in self._read(cypher.ANCESTORS, concept_ids=concept_ids)}

    def counts(self) -> dict[str, Any]:
        nodes = {
            label: self._read(cypher.COUNT_BY_LABEL.format(label=label))[0]["n"]
            for label in cypher.UNIQUE_KEYS
        }
        relationships = self._read(cypher.COUNT_RELATIONSHIPS)[0]["n"]
        return {"nodes": nodes, "relationships": relationships}

    # -- access -----------------------------------------------------------------------------
    def create_api_key(self, key: ApiKeyRow) -> None:
        """Store a new key; a key id already taken is refused by the unique constraint."""
        self._write(lambda tx: tx.run(cypher.CREATE_API_KEY, key_id=key.key_id, name=key.name, role=key.role,
                                      hash=key.hash, created=key.created).consume())

    def api_key(self, key_id: str) -> ApiKeyRow | None:
        rows = self._read(cypher.API_KEY, key_id=key_id)
        return ApiKeyRow(**rows[0]) if rows else None

    def api_keys(self) -> list[ApiKeyRow]:
        return [ApiKeyRow(**r) for r in self._read(cypher.API_KEYS)]

    def revoke_api_key(self, key_id: str, at: str) -> bool:
        """Mark the key revoked (the first revocation time is kept); False if there is no such key."""
        rows = self._write(lambda tx: tx.run(cypher.REVOKE_API_KEY, key_id=key_id, at=at).data())
        return bool(rows)

    def save_audit_head(self, chain: str, seq: int, entry_hash: str, time: str) -> None:
        """Anchor an audit chain: its latest entry's number and hash, kept apart from the log file."""
        self._write(lambda tx: tx.run(cypher.SAVE_AUDIT_HEAD, chain=chain, seq=seq, hash=entry_hash,
                                      time=time).consume())

    def audit_head(self, chain: str) -> dict[str, Any] | None:
        rows = self._read(cypher.AUDIT_HEAD, chain=chain)
        return rows[0] if rows else None

    # -- clinician review -------------------------------------------------------------------
    def save_review_items(self, items: list[dict[str, Any]]) -> int:
        """Create or refresh review items (keyed by item_id), each tied to its chunk and guideline
        version; items whose chunk or version is unknown are skipped. Returns how many were stored."""
        rows = self._write(lambda tx: tx.run(cypher.MERGE_REVIEW_ITEMS, items=items).data())
        return int(rows[0]["n"]) if rows else 0

    def review_items(self, item_ids: list[str]) -> list[ReviewItemRow]:
        return self._review_rows(cypher.REVIEW_ITEMS, item_ids=item_ids)

    def review_queue(self, statuses: list[str], limit: int) -> list[ReviewItemRow]:
        """Items in these states, riskiest then newest first."""
        return self._review_rows(cypher.REVIEW_QUEUE, statuses=statuses, limit=limit)

    def reviews_of_pairs(self, pair_keys: list[str]) -> list[ReviewItemRow]:
        """Every item judging one of these (sentence, chunk) pairs, whatever the question."""
        return self._review_rows(cypher.REVIEW_ITEMS_BY_PAIR, pair_keys=pair_keys)

    def all_review_items(self) -> list[ReviewItemRow]:
        return self._review_rows(cypher.ALL_REVIEW_ITEMS)

    def _review_rows(self, query: str, **params: Any) -> list[ReviewItemRow]:
        return [ReviewItemRow(r["item"], [v for v in r["reviews"] if v and v.get("review_id")], r["guideline_id"],
                              r["title"], r["developer"], r["released"]) for r in self._read(query, **params)]

    def add_review(self, item_id: str, review: dict[str, Any]) -> bool:
        """Store one judgement ON its item; False if there is no such item."""
        rows = self._write(lambda tx: tx.run(cypher.CREATE_REVIEW, item_id=item_id, **review).data())
        return bool(rows)

    def set_review_status(self, item_id: str, status: str, final: str | None) -> None:
        self._write(lambda tx: tx.run(cypher.SET_REVIEW_STATUS, item_id=item_id, status=status,
                                      final=final).consume())

    def passage(self, chunk_id: str) -> dict[str, Any] | None:
        """A chunk's section (every chunk of it, with offsets), guideline and version; None if unknown."""
        rows = self._read(cypher.PASSAGE, chunk_id=chunk_id)
        return rows[0] if rows else None

    def version_owners(self, version_ids: list[str]) -> dict[str, dict[str, str]]:
        """Version id -> its guideline's id, title and developer."""
        return {r.pop("version_id"): r for r in self._read(cypher.VERSION_OWNERS, version_ids=version_ids)}

    def delete_everything(self) -> None:
        """Tests only: empty the database."""
        self._write(lambda tx: tx.run(cypher.DELETE_ALL).consume())


def _write_patient_tx(tx: ManagedTransaction, write: PatientWrite) -> None:
    tx.run(cypher.MERGE_PATIENT, **write.patient).consume()
    tx.run(cypher.CLEAR_PATIENT_FACTS, patient_key=write.patient["patient_key"]).consume()
    _merge_concepts(tx, write.concepts)
    tx.run(cypher.MERGE_MAPS_TO, links=write.maps_to).consume()
    tx.run(cypher.CREATE_PATIENT_FACTS, patient_key=write.patient["patient_key"], facts=write.facts).consume()


def _merge_concepts(tx: ManagedTransaction, concepts: list[Concept]) -> None:
    if not concepts:
        return
    tx.run(cypher.MERGE_CONCEPTS, concepts=[
        {"concept_id": k.concept_id, "name": k.name, "system": k.system, "code": k.code, "kind": k.kind,
         "synonyms": list(k.synonyms)} for k in concepts
    ]).consume()
    pairs = [{"child": k.concept_id, "parent": p} for k in concepts for p in k.parents]
    tx.run(cypher.MERGE_IS_A, pairs=pairs).consume()


def heading_concept_id(heading: str) -> str:
    return f"mesh:{heading}"


def _retire_tx(tx: ManagedTransaction, r: Retirement) -> str | None:
    tx.run(cypher.RETIRE_GUIDELINE, guideline_id=r.guideline_id, retired=r.kind, at=r.at, actor=r.actor,
           reason=r.reason).consume()
    if r.by is not None:
        tx.run(cypher.MERGE_SUPERSEDED_BY, guideline_id=r.guideline_id, by=r.by, at=r.at, actor=r.actor,
               source=r.source).consume()
    rows = tx.run(cypher.CLOSE_CURRENT_VERSION, guideline_id=r.guideline_id, at=r.at).data()
    return rows[0]["version_id"] if rows else None


def _write_version_tx(tx: ManagedTransaction, write: VersionWrite) -> None:
    meta = write.document.meta
    ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
    valid_from = write.valid_from or ingested_at
    tx.run(cypher.MERGE_GUIDELINE, guideline_id=meta.guideline_id, title=meta.title,
           developer=meta.developer, kind=meta.kind).consume()
    tx.run(cypher.RETIRE_OTHER_VERSIONS, guideline_id=meta.guideline_id, version_id=write.version_id,
           valid_from=valid_from).consume()
    tx.run(
        cypher.MERGE_VERSION,
        guideline_id=meta.guideline_id, version_id=write.version_id, released=meta.released,
        status=meta.status, sha=write.content_sha256, source=meta.source, ingested_at=ingested_at,
        char_count=len(write.document.text), valid_from=valid_from, actor=write.actor,
    ).consume()
    sections = [
        {"section_id": ids.section_id(write.version_id, s.ord), "path": s.path, "title": s.title, "ord": s.ord,
         "char_start": s.char_start, "char_end": s.char_end}
        for s in write.document.sections
    ]
    tx.run(cypher.MERGE_SECTIONS, version_id=write.version_id, sections=sections).consume()
    chunks = [
        {"chunk_id": c.chunk_id, "section_id": ids.section_id(write.version_id, c.section_ord), "text": c.text,
         "ord": c.ord, "char_start": c.char_start, "char_end": c.char_end, "content_sha256": c.content_sha256,
         "header": c.header}
        for c in write.chunks
    ]
    tx.run(cypher.MERGE_CHUNKS, chunks=chunks).consume()
    _merge_concepts(tx, write.concepts)
    if meta.mesh:
        tx.run(cypher.MERGE_HEADINGS, version_id=write.version_id,
               headings=[{"concept_id": heading_concept_id(h), "name": h} for h in meta.mesh]).consume()
    if write.recommendations:
        tx.run(cypher.MERGE_RECOMMENDATIONS, version_id=write.version_id,
               recommendations=[_recommendation_row(r) for r in write.recommendations]).consume()
    if write.mentions:
        tx.run(cypher.MERGE_MENTIONS, mentions=[
            {"chunk_id": m.chunk_id, "concept_id": m.concept_id, "assertion": m.assertion, "count": m.count}
            for m in write.mentions
        ]).consume()


def _recommendation_row(rec: Recommendation) -> dict[str, Any]:
    """A recommendation as MERGE_RECOMMENDATIONS reads it."""
    g = rec.grade
    return {"rec_id": rec.rec_id, "text": rec.text, "char_start": rec.char_start, "char_end": rec.char_end,
            "section": rec.section, "label": g.label, "scheme": g.scheme, "direction": g.direction,
            "strength": g.strength, "certainty": g.certainty, "graded": g.graded, "chunk_ids": list(rec.chunk_ids)}
