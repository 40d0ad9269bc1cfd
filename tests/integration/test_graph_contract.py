"""The graph store contract, run against both engines (Neo4j 5.26 and embedded ArcadeDB) over Bolt."""

from __future__ import annotations

from dataclasses import replace

import pytest
from neo4j.exceptions import Neo4jError

from ckg.hashing import sha256_text
from ckg.nlp.concepts import Concept
from ckg.types import Chunk, Document, DocumentMeta, Section
from graph import cypher
from graph.store import BoltGraphStore, ChunkMention, VersionWrite


def make_doc(guideline_id: str = "g1", text: str = "Offer statins. Review yearly.") -> Document:
    meta = DocumentMeta(guideline_id=guideline_id, title="Lipids", developer="Dev", released="2020", source="g1.html")
    return Document(meta=meta, text=text, sections=[Section("Recs", "Recs", 0, 0, len(text))])


def make_write(doc: Document) -> VersionWrite:
    sha = sha256_text(doc.text)
    version = f"{doc.meta.guideline_id}@{sha[:12]}"
    chunk = Chunk(f"{version}#c0000", 0, 0, 0, len(doc.text), doc.text, sha256_text(doc.text), "Lipids | Recs")
    return VersionWrite(doc, version, sha, [chunk])


def test_schema_setup_is_idempotent(graph: BoltGraphStore) -> None:
    graph.ensure_schema()
    graph.ensure_schema()
    assert graph.counts()["nodes"]["Chunk"] == 0


def test_write_is_idempotent(graph: BoltGraphStore) -> None:
    write = make_write(make_doc())
    graph.write_version(write)
    first = graph.counts()
    graph.write_version(write)
    assert graph.counts() == first
    assert first["nodes"]["Guideline"] == 1 and first["nodes"]["Chunk"] == 1
    assert graph.find_version("g1", write.content_sha256) == write.version_id


def test_provenance_carries_guideline_version_section_and_span(graph: BoltGraphStore) -> None:
    write = make_write(make_doc())
    graph.write_version(write)
    prov = graph.provenance([write.chunks[0].chunk_id])[write.chunks[0].chunk_id]
    assert (prov.guideline_id, prov.version_id, prov.section) == ("g1", write.version_id, "Recs")
    assert (prov.char_start, prov.char_end, prov.title) == (0, len(write.document.text), "Lipids")


def test_new_version_retires_the_old_one(graph: BoltGraphStore) -> None:
    old = make_write(make_doc())
    graph.write_version(old)
    new = make_write(make_doc(text="Offer high-intensity statins. Review yearly."))
    assert graph.current_chunks_replaced_by("g1", new.version_id) == [old.chunks[0].chunk_id]
    graph.write_version(new)
    assert graph.current_chunk_ids() == {new.chunks[0].chunk_id}
    assert graph.find_version("g1", old.content_sha256) is None
    assert graph.counts()["nodes"]["GuidelineVersion"] == 2  # history kept


def test_failed_write_leaves_nothing(graph: BoltGraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunk statement fails after the guideline and version were merged: all must roll back."""
    monkeypatch.setattr(cypher, "MERGE_CHUNKS", "UNWIND $chunks AS c MERGE (n:Chunk {chunk_id: c.chunk_id}) "
                        "WITH n RETURN 1 / 0 AS boom")
    with pytest.raises(Neo4jError):
        graph.write_version(make_write(make_doc()))
    counts = graph.counts()
    assert counts["relationships"] == 0 and all(n == 0 for n in counts["nodes"].values())


def test_unique_constraint_is_enforced(graph: BoltGraphStore) -> None:
    write = make_write(make_doc())
    graph.write_version(write)
    with pytest.raises(Neo4jError):
        graph._write(lambda tx: tx.run("CREATE (:Chunk {chunk_id: $id})", id=write.chunks[0].chunk_id).consume())


def test_section_chunks_filters_by_path(graph: BoltGraphStore) -> None:
    doc = make_doc()
    doc = replace(doc, sections=[Section("Major Recommendations", "Major Recommendations", 0, 0, len(doc.text))])
    write = make_write(doc)
    graph.write_version(write)
    assert [p.chunk_id for p in graph.section_chunks(["g1"], "Recommendation")] == [write.chunks[0].chunk_id]
    assert graph.section_chunks(["g1"], "methods") == []


def test_concepts_mentions_and_is_a(graph: BoltGraphStore) -> None:
    write = make_write(make_doc())
    chunk_id = write.chunks[0].chunk_id
    e11 = Concept("icd10cm:E11", "Type 2 diabetes mellitus", "ICD-10-CM", "E11", "condition",
                  parents=("icd10cm:E08-E13",))
    block = Concept("icd10cm:E08-E13", "Diabetes mellitus", "ICD-10-CM", "E08-E13", "condition")
    pad = Concept("icd10cm:I73.9", "Peripheral vascular disease", "ICD-10-CM", "I73.9", "condition")
    mentions = [ChunkMention(chunk_id, "icd10cm:E11", "present", 2), ChunkMention(chunk_id, "icd10cm:I73.9", "negated", 1)]
    graph.write_version(replace(write, concepts=[e11, block, pad], mentions=mentions))
    graph.write_version(replace(write, concepts=[e11, block, pad], mentions=mentions))  # idempotent
    counts = graph.counts()
    assert counts["nodes"]["Concept"] == 3
    assert graph.concept_neighbours(["icd10cm:E08-E13"]) == {"icd10cm:E11"}
    assert graph.chunks_mentioning(["icd10cm:E11"]) == {chunk_id: ["icd10cm:E11"]}
    # A negated mention is not evidence for the concept (but still counts as a mention).
    assert graph.chunks_mentioning(["icd10cm:I73.9"]) == {}
    assert graph.concept_chunk_counts(["icd10cm:E11", "icd10cm:I73.9", "icd10cm:Z00"]) == {
        "icd10cm:E11": 1, "icd10cm:I73.9": 1}
