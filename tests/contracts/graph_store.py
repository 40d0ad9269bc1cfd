"""The ``GraphStore`` contract: every member of the Protocol, as any engine must behave.

A backend's test class inherits ``GraphStoreContract`` and provides an empty ``store`` fixture.
``test_every_protocol_member_is_exercised`` fails when the Protocol grows a member that no
contract test calls.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import replace

import pytest

from ckg import ids
from ckg.errors import GraphUnavailable
from ckg.hashing import sha256_text
from ckg.nlp.concepts import Concept
from ckg.types import Chunk, Document, DocumentMeta, Grade, Recommendation, Section
from graph.store import ApiKeyRow, ChunkMention, GraphStore, PatientWrite, Retirement, VersionWrite

TEXT = "Offer statins to adults with type 2 diabetes. Review yearly."
E11 = Concept("icd10cm:E11", "Type 2 diabetes mellitus", "ICD-10-CM", "E11", "condition", parents=("icd10cm:E08-E13",))
BLOCK = Concept("icd10cm:E08-E13", "Diabetes mellitus", "ICD-10-CM", "E08-E13", "condition")
PAD = Concept("icd10cm:I73.9", "Peripheral vascular disease", "ICD-10-CM", "I73.9", "condition")


def make_doc(guideline_id: str = "g1", text: str = TEXT, mesh: tuple[str, ...] = ()) -> Document:
    meta = DocumentMeta(guideline_id=guideline_id, title="Lipids", developer="Dev", released="2020", source="g1.html",
                        mesh=mesh)
    return Document(meta=meta, text=text, sections=[Section("Major Recommendations", "Major Recommendations", 0, 0,
                                                            len(text))])


def make_write(doc: Document) -> VersionWrite:
    sha = sha256_text(doc.text)
    version = ids.version_id(doc.meta.guideline_id, sha)
    chunk = Chunk(ids.chunk_id(version, 0), 0, 0, 0, len(doc.text), doc.text, sha256_text(doc.text),
                  "Lipids | Major Recommendations")
    return VersionWrite(doc, version, sha, [chunk])


def graded(write: VersionWrite) -> VersionWrite:
    """The write with concepts, mentions (one negated) and one graded recommendation."""
    chunk_id = write.chunks[0].chunk_id
    mentions = [ChunkMention(chunk_id, E11.concept_id, "present", 2), ChunkMention(chunk_id, PAD.concept_id, "negated", 1)]
    rec = Recommendation(ids.recommendation_id(write.version_id, 0), TEXT[:45], 0, 45, "Major Recommendations",
                         Grade("B recommendation", "USPSTF", "for", "moderate", "moderate"), (chunk_id,))
    return replace(write, concepts=[E11, BLOCK, PAD], mentions=mentions, recommendations=[rec])


class GraphStoreContract:
    @pytest.fixture()
    def store(self) -> GraphStore:
        raise NotImplementedError("a backend's test class provides an empty store")

    def test_every_protocol_member_is_exercised(self) -> None:
        members = {n for n in vars(GraphStore) if not n.startswith("_")} | set(GraphStore.__annotations__)
        source = inspect.getsource(GraphStoreContract)
        called = set(re.findall(r"store\.([a-z_]+)", source))
        assert members - called == set(), "GraphStore members without a contract test"

    def test_identity_and_health(self, store: GraphStore) -> None:
        assert store.uri.startswith(("bolt://", "neo4j://"))
        assert store.engine
        store.ping()

    def test_schema_setup_is_idempotent(self, store: GraphStore) -> None:
        store.ensure_schema()
        store.ensure_schema()
        assert store.counts()["nodes"]["Chunk"] == 0

    def test_write_is_idempotent(self, store: GraphStore) -> None:
        write = graded(make_write(make_doc()))
        store.write_version(write)
        first = store.counts()
        store.write_version(write)
        assert store.counts() == first
        assert first["nodes"]["Guideline"] == 1 and first["nodes"]["Chunk"] == 1
        assert first["nodes"]["Recommendation"] == 1 and first["relationships"] > 0
        assert store.find_version("g1", write.content_sha256) == write.version_id
        assert store.find_version("g1", sha256_text("other text")) is None

    def test_provenance_carries_guideline_version_section_and_span(self, store: GraphStore) -> None:
        write = make_write(make_doc())
        store.write_version(write)
        chunk_id = write.chunks[0].chunk_id
        prov = store.provenance([chunk_id, "nowhere#c0000"])
        assert set(prov) == {chunk_id}
        p = prov[chunk_id]
        assert (p.guideline_id, p.version_id, p.section) == ("g1", write.version_id, "Major Recommendations")
        assert (p.char_start, p.char_end, p.title, p.text) == (0, len(TEXT), "Lipids", TEXT)
        assert store.guideline_of([chunk_id]) == {chunk_id: "g1"}
        assert store.chunk_texts([chunk_id]) == {chunk_id: (TEXT, "Lipids | Major Recommendations")}

    def test_new_version_retires_the_old_one(self, store: GraphStore) -> None:
        old = make_write(make_doc())
        store.write_version(old)
        new = make_write(make_doc(text="Offer high-intensity statins. Review yearly."))
        assert store.current_chunks_replaced_by("g1", new.version_id) == [old.chunks[0].chunk_id]
        store.write_version(new)
        assert store.current_chunk_ids() == {new.chunks[0].chunk_id}
        assert store.find_version("g1", old.content_sha256) is None
        assert store.counts()["nodes"]["GuidelineVersion"] == 2  # history kept

    def test_versions_are_valid_from_until_replaced(self, store: GraphStore) -> None:
        old = graded(make_write(make_doc()))
        store.write_version(replace(old, valid_from="2020-01-01T00:00:00+00:00", actor="cli:kim"))
        new = make_write(make_doc(text="Offer high-intensity statins. Review yearly."))
        store.write_version(replace(new, valid_from="2024-06-01T00:00:00+00:00"))
        first, second = store.version_history("g1")
        assert (first["version_id"], first["valid_from"], first["valid_to"], first["current"]) == (
            old.version_id, "2020-01-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00", False)
        assert first["replaced_by"] == new.version_id and first["ingested_by"] == "cli:kim"
        assert (second["version_id"], second["valid_to"], second["current"]) == (new.version_id, None, True)
        assert store.versions_as_of("2023-01-01T00:00:00+00:00") == {"g1": old.version_id}
        assert store.versions_as_of("2025-01-01T00:00:00+00:00") == {"g1": new.version_id}
        assert store.versions_as_of("2019-01-01T00:00:00+00:00") == {}
        assert store.version_sizes() == {
            old.version_id: {"current": False, "sections": 1, "chunks": 1, "mentions": 2, "recommendations": 1},
            new.version_id: {"current": True, "sections": 1, "chunks": 1, "mentions": 0, "recommendations": 0}}
        # What a diff and an answer as of 2023 read: the old version's chunks, sections, recommendations.
        chunk_id = old.chunks[0].chunk_id
        assert store.chunks_of_versions([old.version_id]) == {chunk_id: (TEXT, "Lipids | Major Recommendations")}
        [row] = store.version_sections(old.version_id)
        assert (row["path"], row["chunk_id"], row["text"]) == ("Major Recommendations", chunk_id, TEXT)
        [rec] = store.version_recommendations(old.version_id)
        assert (rec["text"], rec["label"]) == (TEXT[:45], "B recommendation")
        assert [p.chunk_id for p in store.section_chunks_of_versions([old.version_id], "recommendation")] == [chunk_id]
        assert store.chunk_versions([chunk_id])[chunk_id]["current"] is False
        state = store.guideline_state("g1")
        assert state is not None and (state.current_version, state.retired) == (new.version_id, None)
        assert store.guideline_state("g9") is None

    def test_withdrawal_and_supersession_keep_the_history(self, store: GraphStore) -> None:
        for gid in ("g1", "g2", "g3"):
            store.write_version(make_write(make_doc(guideline_id=gid)))
        assert {g["guideline_id"] for g in store.active_guideline_titles()} == {"g1", "g2", "g3"}
        at = "2026-01-02T00:00:00+00:00"
        closed = store.retire(Retirement("g1", "withdrawn", at, "key:abc", reason="unsafe dose"))
        assert closed == make_write(make_doc(guideline_id="g1")).version_id
        store.retire(Retirement("g2", "superseded", at, "cli:kim", by="g3", source="manual"))
        g1, g2 = store.guideline_state("g1"), store.guideline_state("g2")
        assert g1 is not None and (g1.retired, g1.retired_by, g1.retired_reason, g1.current_version) == (
            "withdrawn", "key:abc", "unsafe dose", None)
        assert g2 is not None and (g2.retired, g2.superseded_by) == ("superseded", "g3")
        assert store.superseded_guidelines("g3") == [{"guideline_id": "g2", "at": at, "by": "cli:kim",
                                                      "source": "manual"}]
        assert {g["guideline_id"] for g in store.active_guideline_titles()} == {"g3"}
        assert {ids.guideline_of(c) for c in store.current_chunk_ids()} == {"g3"}
        assert store.version_history("g1")[0]["valid_to"] == at

    def test_section_chunks_filters_by_path(self, store: GraphStore) -> None:
        write = make_write(make_doc())
        store.write_version(write)
        assert [p.chunk_id for p in store.section_chunks(["g1"], "Recommendation")] == [write.chunks[0].chunk_id]
        assert store.section_chunks(["g1"], "methods") == []
        assert store.section_chunks(["g2"], "Recommendation") == []

    def test_recommendations_carry_their_grade_and_span(self, store: GraphStore) -> None:
        write = graded(make_write(make_doc()))
        store.write_version(write)
        found = store.recommendations_of([write.chunks[0].chunk_id])
        [rec] = found[write.chunks[0].chunk_id]
        assert (rec.rec_id, rec.char_start, rec.char_end) == (write.recommendations[0].rec_id, 0, 45)
        assert (rec.label, rec.scheme, rec.direction, rec.strength) == ("B recommendation", "USPSTF", "for", "moderate")

    def test_concepts_mentions_and_is_a(self, store: GraphStore) -> None:
        write = graded(make_write(make_doc()))
        chunk_id = write.chunks[0].chunk_id
        store.write_version(write)
        assert store.counts()["nodes"]["Concept"] == 3
        assert store.concept_neighbours([BLOCK.concept_id]) == {E11.concept_id}
        assert store.ancestors([E11.concept_id]) == {E11.concept_id: [BLOCK.concept_id]}
        assert store.chunks_mentioning([E11.concept_id]) == {chunk_id: [E11.concept_id]}
        # A negated mention is not evidence for the concept (but still counts as a mention).
        assert store.chunks_mentioning([PAD.concept_id]) == {}
        assert store.concept_chunk_counts([E11.concept_id, PAD.concept_id, "icd10cm:Z00"]) == {
            E11.concept_id: 1, PAD.concept_id: 1}
        rows = store.mentions_in([chunk_id], [PAD.concept_id])
        assert [(r["chunk_id"], r["concept_id"], r["assertion"]) for r in rows] == [(chunk_id, PAD.concept_id, "negated")]

    def test_mesh_headings_count_for_every_chunk_of_their_document(self, store: GraphStore) -> None:
        write = make_write(make_doc(mesh=("Diabetes Mellitus, Type 2",)))
        store.write_version(write)
        assert store.headings() == {"mesh:Diabetes Mellitus, Type 2": "Diabetes Mellitus, Type 2"}
        assert store.chunks_mentioning(["mesh:Diabetes Mellitus, Type 2"]) == {
            write.chunks[0].chunk_id: ["mesh:Diabetes Mellitus, Type 2"]}

    def test_patients_and_their_facts(self, store: GraphStore) -> None:
        code = Concept("snomedct:44054006", "Diabetes mellitus type 2", "SNOMED CT", "44054006", "condition")
        write = PatientWrite({"patient_key": "p1", "birth_year": 1960, "sex": "female", "age_band": "60-64",
                              "zip3": "021"},
                             [{"concept_id": code.concept_id, "kind": "condition", "year": 2015, "status": "active",
                               "value": None, "unit": None}],
                             [code, E11], [{"source": code.concept_id, "target": E11.concept_id}])
        store.write_patient(write)
        store.write_patient(write)  # replaces, never duplicates
        assert store.patient("p1") == write.patient
        assert store.patient("nobody") is None
        [fact] = store.patient_facts("p1")
        assert (fact["concept_id"], fact["kind"], fact["year"], fact["maps_to"]) == (
            code.concept_id, "condition", 2015, [E11.concept_id])

    def test_api_keys_are_stored_listed_and_revoked(self, store: GraphStore) -> None:
        key = ApiKeyRow("k1", "ward 7", "clinician", "$argon2id$...", "2026-01-01T00:00:00Z")
        store.create_api_key(key)
        store.create_api_key(ApiKeyRow("k2", "curation", "curator", "$argon2id$...", "2026-01-02T00:00:00Z"))
        assert store.api_key("k1") == key and store.api_key("nope") is None
        assert [k.key_id for k in store.api_keys()] == ["k1", "k2"]
        assert store.revoke_api_key("k1", "2026-02-01T00:00:00Z") is True
        assert store.revoke_api_key("k1", "2026-03-01T00:00:00Z") is True  # the first revocation time is kept
        assert store.api_key("k1").revoked == "2026-02-01T00:00:00Z"  # type: ignore[union-attr]
        assert store.revoke_api_key("nope", "2026-02-01T00:00:00Z") is False
        assert store.api_key("k2").revoked is None  # type: ignore[union-attr]

    def test_audit_head_is_replaced_not_added(self, store: GraphStore) -> None:
        assert store.audit_head("audit") is None
        store.save_audit_head("audit", 50, "a" * 64, "2026-01-01T00:00:00Z")
        store.save_audit_head("audit", 100, "b" * 64, "2026-01-02T00:00:00Z")
        assert store.audit_head("audit") == {"seq": 100, "hash": "b" * 64, "time": "2026-01-02T00:00:00Z"}
        assert store.counts()["nodes"]["AuditHead"] == 1

    def test_review_items_and_their_judgements(self, store: GraphStore) -> None:
        write = make_write(make_doc())
        store.write_version(write)
        chunk_id = write.chunks[0].chunk_id
        item = {"item_id": "i1", "pair_key": "p1", "question": "Statins in diabetes?", "sentence": TEXT[:45],
                "chunk_id": chunk_id, "version_id": write.version_id, "char_start": 0, "char_end": 45,
                "quote": TEXT[:45], "grade": None, "system_verdict": "supported", "system_score": 1.0, "reasons": ["verbatim"],
                "generator": "extractive", "patient_specific": False, "origin": "traffic", "risk": 0.2,
                "needs": 2, "note": None, "created": "2026-01-01T00:00:00Z"}
        unknown = {**item, "item_id": "i2", "chunk_id": "nowhere#c0000"}
        assert store.save_review_items([item, unknown]) == 1
        assert store.save_review_items([{**item, "risk": 0.9}]) == 1  # refreshed, not duplicated
        [row] = store.review_queue(["open"], 10)
        assert (row.item["item_id"], row.item["risk"], row.item["seen"], row.reviews) == ("i1", 0.9, 2, [])
        assert (row.guideline_id, row.title, row.developer, row.released) == ("g1", "Lipids", "Dev", "2020")
        review = {"review_id": "r1", "label": "supports", "comment": None, "seconds": 4.5,
                  "at": "2026-01-02T00:00:00Z", "reviewer": "key:abc", "role": "reviewer", "adjudication": False}
        assert store.add_review("i1", review) is True
        assert store.add_review("nope", {**review, "review_id": "r2"}) is False
        store.set_review_status("i1", "settled", "supports")
        assert store.review_queue(["open"], 10) == []
        [row] = store.review_items(["i1"])
        assert (row.item["status"], row.item["final"], row.reviews) == ("settled", "supports", [review])
        assert [r.item["item_id"] for r in store.reviews_of_pairs(["p1", "p9"])] == ["i1"]
        assert [r.item["item_id"] for r in store.all_review_items()] == ["i1"]
        assert store.counts()["nodes"]["Review"] == 1

    def test_passage_and_version_owners(self, store: GraphStore) -> None:
        write = make_write(make_doc())
        store.write_version(write)
        passage = store.passage(write.chunks[0].chunk_id)
        assert passage is not None and store.passage("nowhere#c0000") is None
        assert (passage["guideline_id"], passage["developer"], passage["section"]) == ("g1", "Dev", "Major Recommendations")
        assert passage["chunks"] == [{"chunk_id": write.chunks[0].chunk_id, "ord": 0, "char_start": 0,
                                      "char_end": len(TEXT), "text": TEXT}]
        assert store.version_owners([write.version_id, "v?"]) == {
            write.version_id: {"guideline_id": "g1", "title": "Lipids", "developer": "Dev"}}

    def test_delete_everything_empties_the_graph(self, store: GraphStore) -> None:
        store.write_version(graded(make_write(make_doc())))
        store.delete_everything()
        counts = store.counts()
        assert counts["relationships"] == 0 and all(n == 0 for n in counts["nodes"].values())

    def test_a_closed_store_says_it_is_unavailable(self, store: GraphStore) -> None:
        store.close()
        with pytest.raises(GraphUnavailable):
            store.ping()
