"""Patient records behind the PHI gate, on the real Synthea bundles and both graph engines.

The bundles carry realistic synthetic identifiers. Without --deidentify each is rejected whole;
with it, a canary search proves that none of their identifiers reaches the graph, the state
directory (index, logs, keys) or an API response.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from access.roles import Role
from answering.patient_context import PatientContext
from api.app import create_app
from ckg import logs
from ckg.errors import InputError, NotFound
from ckg.nlp.pipeline import get_nlp
from ckg.settings import Settings
from graph.servers import ServerInfo
from graph.store import BoltGraphStore
from ingest.pipeline import parse_files
from ingest.records.fhir import bundle_record, read_records
from ingest.records.phi import DATES, NAMES, PHONE, SSN
from ingest.records.pipeline import RecordReport
from runtime.system import System, open_graph

from ..conftest import FEDERAL, SHARED_DATA, settings_at
from .api_support import bearer

RECORDS = SHARED_DATA / "records" / "synthea-r4"
EMPTY_FILES = {"patient-031.json", "patient-034.json"}  # shipped empty in shared/data: rejected as such


@pytest.fixture(scope="module")
def settings(graph_server: ServerInfo, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_at(graph_server, tmp_path_factory.mktemp("records-home"))


@pytest.fixture(scope="module")
def system(settings: Settings) -> Iterator[System]:
    """An empty graph and index: emptied before opening, so that no other module's guideline
    text (author names, cities) lands in this state directory and muddles the canary."""
    graph = open_graph(settings)
    graph.delete_everything()
    graph.close()
    logs.configure(settings.log_dir, verbose=False)
    system = System.open(settings)
    assert system.index.count == 0
    yield system
    system.close()


@pytest.fixture(scope="module")
def gated(system: System) -> RecordReport:
    return system.records.ingest([RECORDS])


@pytest.fixture(scope="module")
def deidentified(system: System, gated: RecordReport) -> RecordReport:
    return system.records.ingest([RECORDS], deidentify=True)


def test_every_bundle_with_identifiers_is_rejected_and_nothing_is_stored(gated: RecordReport, system: System) -> None:
    assert gated.ingested == []
    assert len(gated.rejected) == 40
    for rejection in gated.rejected:
        if Path(rejection["source"]).name in EMPTY_FILES:
            assert "is empty" in rejection["problem"]
            continue
        found = rejection["identifiers"]
        assert {NAMES, SSN, PHONE, DATES} <= set(found), rejection["source"]
        assert all(path.startswith("$.entry[") for v in found.values() for path in v["paths"])
    assert system.graph.counts()["nodes"]["Patient"] == 0  # (this module's tests run in file order)


def test_deidentified_ingest_stores_every_bundle(deidentified: RecordReport, system: System) -> None:
    assert len(deidentified.ingested) == 38 and len(set(deidentified.ingested)) == 38
    assert sorted(Path(r["source"]).name for r in deidentified.rejected) == sorted(EMPTY_FILES)
    assert deidentified.facts > 5000
    assert system.graph.counts()["nodes"]["Patient"] == 38
    patient = system.graph.patient(deidentified.ingested[0])
    assert patient is not None and set(patient) == {"patient_key", "birth_year", "sex", "age_band", "zip3"}
    facts = system.graph.patient_facts(deidentified.ingested[0])
    assert {f["kind"] for f in facts} >= {"condition", "observation", "encounter"}
    assert all(f["year"] is None or 1900 < f["year"] < 2100 for f in facts)


def test_reingest_changes_nothing(deidentified: RecordReport, system: System) -> None:
    before = system.graph.counts()
    again = system.records.ingest([RECORDS], deidentify=True)
    assert sorted(again.ingested) == sorted(deidentified.ingested)
    assert system.graph.counts() == before


def test_coded_facts_meet_guideline_concepts(deidentified: RecordReport, system: System) -> None:
    """SNOMED/RxNorm codes map to the concepts guideline text mentions (ICD-10-CM, DrugBank, HPO)."""
    mapped = {m for key in deidentified.ingested for f in system.graph.patient_facts(key) for m in f["maps_to"]}
    assert any(m.startswith("icd10cm:") for m in mapped)
    assert any(m.startswith("drugbank:") for m in mapped)


def canaries() -> set[str]:
    """Identifying values from the source files: names, SSN, licence, passport, phone, street,
    city, full birth date and source ids."""
    found: set[str] = set()
    for path in sorted(RECORDS.glob("*.json")):
        if path.name in EMPTY_FILES:
            continue
        bundle = json.loads(path.read_bytes())
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] != "Patient":
                continue
            found.add(resource["id"])
            found.add(resource["birthDate"])
            for name in resource.get("name", []):
                found.update(p for p in [*name.get("given", []), name.get("family", "")] if len(p) >= 4)
            found.update(i["value"] for i in resource.get("identifier", []))
            found.update(t["value"] for t in resource.get("telecom", []))
            for address in resource.get("address", []):
                found.update(address.get("line", []))
                found.add(address["city"])
    return {c for c in found if not re.fullmatch(r"\d{1,4}", c)}


def _graph_dump(graph: BoltGraphStore) -> str:
    nodes = graph._read("MATCH (n) RETURN properties(n) AS p")
    rels = graph._read("MATCH ()-[r]->() RETURN properties(r) AS p")
    return json.dumps([r["p"] for r in nodes + rels], default=str)


def test_canary_no_identifier_reaches_graph_files_logs_or_api(
    deidentified: RecordReport, system: System, settings: Settings, tmp_path: Path
) -> None:
    values = canaries()
    assert len(values) > 150  # the canary set itself is real
    dump = _graph_dump(system.graph)
    assert "Patient" in json.dumps(system.graph.counts()) and len(dump) > 100_000
    with TestClient(create_app(settings, system), headers=bearer(system, Role.curator)) as client:
        bundle = json.loads((RECORDS / "patient-000.json").read_bytes())
        rejected = client.post("/v1/records", json=bundle)
        accepted = client.post("/v1/records", params={"deidentify": "true"}, json=bundle)
        not_an_object = client.post("/v1/records", json=["999-40-1490"])
        missing = client.post("/v1/records", json={"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Condition", "id": "1",
                                                   "subject": {"reference": "urn:uuid:2"}}}]})
    assert rejected.status_code == 422 and "social security numbers" in rejected.json()["detail"]
    assert accepted.status_code == 200 and accepted.json()["patient_key"] in deidentified.ingested
    assert missing.status_code == 422 and "$.entry[0].resource.subject.reference" in missing.json()["detail"]
    assert not_an_object.status_code == 422 and "999-40-1490" not in not_an_object.text
    state = " ".join(p.read_bytes().decode("utf-8", "replace") for p in settings.home.rglob("*")
                     if p.is_file() and "graph" not in p.relative_to(settings.home).parts[:1])
    places = {"graph": dump, "state directory": state,
              "api": rejected.text + accepted.text + missing.text + not_an_object.text}
    leaks = {(place, v) for place, text in places.items() for v in values if v in text}
    assert not leaks, sorted(leaks)[:10]


def test_malformed_bundles_are_rejected_with_file_and_json_path(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"resourceType": "Bundle", "type": ')
    not_bundle = tmp_path / "patient.json"
    not_bundle.write_text(json.dumps({"resourceType": "Patient", "id": "p"}))
    dangling = tmp_path / "dangling.json"
    bundle = json.loads((RECORDS / "patient-000.json").read_bytes())
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Practitioner"]
    dangling.write_text(json.dumps(bundle))
    wrong_type = tmp_path / "wrong-type.json"
    bundle = json.loads((RECORDS / "patient-000.json").read_bytes())
    bundle["entry"][3]["resource"]["status"] = 12
    wrong_type.write_text(json.dumps(bundle))
    expected = {bad_json: "is not valid JSON (JSONDecodeError at line 1", not_bundle: "$.resourceType: expected a FHIR Bundle",
                dangling: "reference points at no resource", wrong_type: "$.entry[3].resource.status"}
    for path, message in expected.items():
        with pytest.raises(InputError, match=re.escape(message)) as problem:
            read_records(path, 10**8)
        assert str(path) in str(problem.value)


def test_phi_gate_reads_ndjson_exports(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    bundle = json.loads((RECORDS / "patient-002.json").read_bytes())
    lines = [json.dumps(e["resource"]) for e in bundle["entry"]
             if e["resource"]["resourceType"] in ("Patient", "Condition", "Observation")]
    (export / "data.ndjson").write_text("\n".join(lines) + "\n")
    records = read_records(export / "data.ndjson", 10**8)
    assert len(records) == 1 and len(records[0].resources) == len(lines)
    shutil.rmtree(export)



def test_patient_aware_answer_uses_facts_and_flags_an_excluding_recommendation(
    system: System, deidentified: RecordReport
) -> None:
    """A de-identified record with type 2 diabetes asks the PAD question: the USPSTF statement
    it is answered from applies to adults "who do not have ... diabetes", which is flagged."""
    system.ingest(parse_files([FEDERAL / "ngc-10008.html"], system.settings.ingest))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "p1", "gender": "male",
                                                 "birthDate": "1958"}},
        {"fullUrl": "urn:uuid:c1", "resource": {
            "resourceType": "Condition", "id": "c1", "subject": {"reference": "urn:uuid:p1"},
            "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": "2016",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006",
                                 "display": "Diabetes mellitus type 2 (disorder)"}]}}},
    ]}
    report = system.records.ingest_bundle(bundle_record(bundle, "test"), False)
    assert report.rejected == [] and len(report.ingested) == 1  # clean: passes the gate as it is
    answer = system.ask("Should adults be screened for peripheral artery disease with the ankle-brachial index?",
                        patient_key=report.ingested[0])
    assert not answer.abstained and answer.patient is not None
    assert [f["name"] for f in answer.patient.facts_used] == ["Diabetes mellitus type 2"]
    [conflict] = [c for c in answer.patient.conflicts if c["concept_id"].startswith("icd10cm:E")]
    assert answer.citations[conflict["citation"] - 1].guideline_id == "ngc-10008"
    assert "excludes patients with" in conflict["reason"]
    with pytest.raises(NotFound):
        system.ask("Should adults be screened for peripheral artery disease?", patient_key="no-such-patient")


def test_patient_channel_lifts_chunks_about_the_patient_among_what_the_question_retrieves(
    system: System, deidentified: RecordReport
) -> None:
    system.ingest(parse_files([FEDERAL / "ngc-10008.html", FEDERAL / "ngc-10853.html"], system.settings.ingest))
    question = "Which adults should be screened for abnormal blood glucose and type 2 diabetes?"
    r = system.retriever
    plain = [h.chunk_id for h in r.retrieve(question, 50)]
    for key in deidentified.ingested:  # a Synthea patient with a problem this evidence speaks to
        patient = PatientContext.load(system.graph, key).mentions(get_nlp())
        rows = system.graph.mentions_in(plain[:10], [m.concept.concept_id for m in patient])
        about_patient = {row["chunk_id"] for row in rows if row["assertion"] != "negated"} - {plain[0]}
        if about_patient:
            break
    else:
        pytest.fail("no Synthea patient has a problem that the top evidence for the question mentions")
    lifted = [h.chunk_id for h in r.retrieve(question, 10, patient=patient)]
    assert set(lifted) <= set(plain), "the patient's record alone never brings in a chunk"
    moved = [c for c in about_patient if c in lifted and lifted.index(c) < plain.index(c)]
    assert moved, "chunks about the patient's problems rank higher with the patient than without"
