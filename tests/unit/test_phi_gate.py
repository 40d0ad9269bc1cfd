"""The PHI gate finds each Safe Harbor category, in structured fields and planted in free text."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from ingest.records import phi
from ingest.records.facts import SPARSE_ZIP3, extract, patient_key
from ingest.records.fhir import bundle_record

TODAY = date(2026, 11, 25)


def clean_bundle() -> dict[str, Any]:
    """Already de-identified: year-only dates, 3-digit ZIP, no names or numbers."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {
            "resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1961",
            "address": [{"state": "MA", "postalCode": "021"}]}},
        {"fullUrl": "urn:uuid:c1", "resource": {
            "resourceType": "Condition", "id": "c1", "subject": {"reference": "urn:uuid:p1"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006",
                                 "display": "Diabetes mellitus type 2 (disorder)"}]},
            "onsetDateTime": "2015", "note": [{"text": "Stable on current therapy."}]}},
    ]}


def test_a_clean_record_passes() -> None:
    assert phi.scan(clean_bundle(), TODAY) == []


@pytest.mark.parametrize(("planted", "category"), [
    ("SSN 123-45-6789 on file", phi.SSN),
    ("call (617) 555-0199 after discharge", phi.PHONE),
    ("wrote to jane.doe@example.org", phi.EMAIL),
    ("portal at https://portal.example.org/p/77", phi.URL),
    ("logged in from 192.168.10.24", phi.IP),
    ("seen on 03/14/2019 in clinic", phi.DATES),
    ("follow-up 2019-03-14", phi.DATES),
    ("lives at ZIP 02115-1234", phi.ZIP),
    ("MRN: 88123 transferred", phi.MRN),
    ("Mrs. Kowalski reports no pain", phi.NAMES),
])
def test_identifiers_planted_in_free_text_are_caught(planted: str, category: str) -> None:
    bundle = clean_bundle()
    bundle["entry"][1]["resource"]["note"][0]["text"] = planted
    assert phi.Finding(category, "$.entry[1].resource.note[0].text") in phi.scan(bundle, TODAY)


def test_the_patients_own_name_is_caught_in_a_narrative() -> None:
    bundle = clean_bundle()
    bundle["entry"][0]["resource"]["name"] = [{"given": ["Rosalind"], "family": "Okafor"}]
    bundle["entry"][1]["resource"]["text"] = {"status": "generated", "div": "<div>Okafor has diabetes.</div>"}
    found = phi.scan(bundle, TODAY)
    assert phi.Finding(phi.NAMES, "$.entry[0].resource.name") in found
    assert phi.Finding(phi.NAMES, "$.entry[1].resource.text.div") in found


@pytest.mark.parametrize(("field", "value", "category", "path"), [
    ("telecom", [{"system": "phone", "value": "555-0100"}], phi.PHONE, "$.entry[0].resource.telecom[0]"),
    ("telecom", [{"system": "email", "value": "x@y.org"}], phi.EMAIL, "$.entry[0].resource.telecom[0]"),
    ("address", [{"line": ["1 Main St"], "city": "Springfield", "postalCode": "02115"}], phi.ZIP,
     "$.entry[0].resource.address[0].postalCode"),
    ("address", [{"line": ["1 Main St"]}], phi.GEOGRAPHY, "$.entry[0].resource.address[0].line"),
    ("birthDate", "1961-04-02", phi.DATES, "$.entry[0].resource.birthDate"),
    ("birthDate", "1930-04-02", phi.AGE_OVER_89, "$.entry[0].resource.birthDate"),
    ("photo", [{"contentType": "image/jpeg", "data": "AAAA"}], phi.PHOTO, "$.entry[0].resource.photo"),
    ("identifier", [{"type": {"coding": [{"code": "PPN"}]}, "value": "X1"}], phi.PASSPORT,
     "$.entry[0].resource.identifier[0]"),
    ("identifier", [{"type": {"coding": [{"code": "DL"}]}, "value": "S1"}], phi.LICENCE,
     "$.entry[0].resource.identifier[0]"),
    ("identifier", [{"system": "urn:x", "value": "42"}], phi.OTHER_ID, "$.entry[0].resource.identifier[0]"),
])
def test_structured_identifiers_are_caught(field: str, value: Any, category: str, path: str) -> None:
    bundle = clean_bundle()
    bundle["entry"][0]["resource"][field] = value
    assert phi.Finding(category, path) in phi.scan(bundle, TODAY)


def test_extraction_keeps_only_generalised_facts() -> None:
    bundle = copy.deepcopy(clean_bundle())
    patient = bundle["entry"][0]["resource"]
    patient.update(birthDate="1930-04-02", address=[{"postalCode": "03601-0001"}])
    facts = extract(bundle_record(bundle, "test").resources, b"k", TODAY)
    assert facts.patient_key == patient_key(b"k", "Patient/p1") != "p1"
    assert (facts.birth_year, facts.age_band, facts.zip3) == (None, "90+", "000")  # 036 is a sparse ZIP3
    assert "036" in SPARSE_ZIP3
    [condition] = facts.facts
    assert (condition.concept_id, condition.display, condition.year) == ("snomedct:44054006",
                                                                          "Diabetes mellitus type 2", 2015)
