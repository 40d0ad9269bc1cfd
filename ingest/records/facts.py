"""What of a patient record is kept: coded facts, generalised by Safe Harbor. Nothing else.

This is a whitelist. The graph receives a pseudonymous key, birth year (none past 89), sex,
age band, a 3-digit ZIP (000 for the sparsely populated areas HHS lists) and coded facts with
years. Display strings are kept only when the PHI gate finds nothing in them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fhir.resources.R4B.resource import Resource

from ckg.errors import InputError
from ingest.records import phi

SYSTEMS = {
    "http://snomed.info/sct": "SNOMED CT", "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://loinc.org": "LOINC", "http://hl7.org/fhir/sid/cvx": "CVX",
    "http://terminology.hl7.org/CodeSystem/v3-ActCode": "ActCode",
}
# ZIP3 areas with 20,000 people or fewer (HHS Safe Harbor guidance, 2000 census): reported as 000.
SPARSE_ZIP3 = {"036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879",
               "884", "890", "893"}
_SEMANTIC_TAG = re.compile(r"\s*\((?:disorder|finding|procedure|situation|observable entity|regime/therapy)\)$")


@dataclass(frozen=True)
class CodedFact:
    kind: str  # condition | medication | observation | procedure | immunization | encounter
    system: str
    code: str
    display: str | None
    year: int | None
    status: str | None = None
    value: float | str | None = None
    unit: str | None = None

    @property
    def concept_id(self) -> str:
        return f"{self.system.lower().replace(' ', '')}:{self.code}"


@dataclass
class PatientFacts:
    patient_key: str
    birth_year: int | None
    sex: str | None
    age_band: str | None
    zip3: str | None
    facts: list[CodedFact]
    removed: Counter[str] = field(default_factory=Counter)  # de-identification report: category -> count


def patient_key(secret: bytes, source_id: str) -> str:
    """Keyed pseudonym: stable for a source id, useless without the secret."""
    return hmac.new(secret, source_id.encode(), hashlib.sha256).hexdigest()[:20]


def extract(resources: list[Resource], secret: bytes, today: date | None = None) -> PatientFacts:
    patients = [r for r in resources if r.get_resource_type() == "Patient"]
    if len(patients) != 1:
        raise InputError(f"a record must hold exactly one Patient; found {len(patients)}")
    patient: Any = patients[0]
    removed: Counter[str] = Counter()
    birth_year = _year(patient.birthDate)
    age = (today or date.today()).year - birth_year if birth_year else None
    if age is not None and age > 89:
        birth_year, removed[phi.AGE_OVER_89] = None, 1
    facts = [f for r in resources for f in _facts(r, removed)]
    return PatientFacts(
        patient_key(secret, f"Patient/{patient.id}"), birth_year, patient.gender, _age_band(age),
        _zip3(patient), facts, removed,
    )


def _facts(resource: Resource, removed: Counter[str]) -> list[CodedFact]:
    kind = resource.get_resource_type()
    r: Any = resource
    if kind == "Condition":
        return _coded("condition", r.code, _year(r.onsetDateTime or r.recordedDate), _status(r.clinicalStatus), removed)
    if kind == "MedicationRequest":
        return _coded("medication", r.medicationCodeableConcept, _year(r.authoredOn), r.status, removed)
    if kind == "Procedure":
        when = r.performedDateTime or (r.performedPeriod.start if r.performedPeriod else None)
        return _coded("procedure", r.code, _year(when), r.status, removed)
    if kind == "Immunization":
        return _coded("immunization", r.vaccineCode, _year(r.occurrenceDateTime), r.status, removed)
    if kind == "Observation":
        year = _year(r.effectiveDateTime or r.issued)
        # A panel (blood pressure) carries its values in components, each coded on its own.
        parts = [r, *(r.component or [])]
        return [CodedFact(f.kind, f.system, f.code, f.display, year, r.status, *_value(part))
                for part in parts for f in _coded("observation", part.code, year, r.status, removed)
                if part is not r or not r.component]
    if kind == "Encounter" and r.class_fhir is not None:
        start = r.period.start if r.period else None
        return [CodedFact("encounter", "ActCode", str(r.class_fhir.code), None, _year(start), r.status)]
    return []


def _coded(kind: str, concept: Any, year: int | None, status: str | None, removed: Counter[str]) -> list[CodedFact]:
    """The first coding in a known system (the record's own code for the fact)."""
    for coding in (concept.coding or []) if concept is not None else []:
        system = SYSTEMS.get(str(coding.system))
        if system and coding.code:
            return [CodedFact(kind, system, str(coding.code), _clean_display(coding.display, removed), year, status)]
    return []


def _clean_display(display: str | None, removed: Counter[str]) -> str | None:
    if not display:
        return None
    found = phi.scan({"display": display})
    if found:
        removed.update(f.category for f in found)
        return None
    return _SEMANTIC_TAG.sub("", display)


def _value(observation: Any) -> tuple[float | str | None, str | None]:
    q = observation.valueQuantity
    if q is not None and q.value is not None:
        return round(float(q.value), 4), q.unit
    cc = observation.valueCodeableConcept
    if cc is not None and cc.coding:
        return cc.coding[0].display, None
    return None, None


def _status(concept: Any) -> str | None:
    return str(concept.coding[0].code) if concept is not None and concept.coding else None


def _year(value: Any) -> int | None:
    match = re.match(r"\d{4}", str(value)) if value else None
    return int(match.group()) if match else None


def _age_band(age: int | None) -> str | None:
    if age is None:
        return None
    for upper, band in ((17, "0-17"), (39, "18-39"), (64, "40-64"), (89, "65-89")):
        if age <= upper:
            return band
    return "90+"


def _zip3(patient: Any) -> str | None:
    for address in patient.address or []:
        digits = re.sub(r"\D", "", address.postalCode or "")
        if len(digits) >= 3:
            return "000" if digits[:3] in SPARSE_ZIP3 else digits[:3]
    return None
