"""The PHI gate: which HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)) a FHIR record carries.

The gate reads the raw JSON, structured fields and free text alike, and reports each
identifier by category and JSON path, never by value: a report must be safe to log and to
return. It only finds; the caller decides (reject the record, or de-identify it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

NAMES = "names"
GEOGRAPHY = "geographic subdivisions smaller than a state"
ZIP = "ZIP codes beyond 3 digits"
DATES = "dates more precise than the year"
PHONE = "telephone numbers"
FAX = "fax numbers"
EMAIL = "email addresses"
SSN = "social security numbers"
MRN = "medical record numbers"
HEALTH_PLAN = "health plan beneficiary numbers"
ACCOUNT = "account numbers"
LICENCE = "certificate or licence numbers"
PASSPORT = "passport numbers"
VEHICLE = "vehicle identifiers"
DEVICE = "device identifiers"
URL = "URLs"
IP = "IP addresses"
PHOTO = "full-face photographs"
AGE_OVER_89 = "ages over 89"
OTHER_ID = "other unique identifying numbers"

# identifier.type codes (HL7 v2 table 0203) -> category
_IDENTIFIER_TYPES = {
    "SS": SSN, "SB": SSN, "MR": MRN, "MRT": MRN, "MB": HEALTH_PLAN, "SN": HEALTH_PLAN, "MA": HEALTH_PLAN,
    "MC": HEALTH_PLAN, "AN": ACCOUNT, "DL": LICENCE, "LN": LICENCE, "MD": LICENCE, "PPN": PASSPORT,
}
_TELECOM = {"phone": PHONE, "fax": FAX, "email": EMAIL, "url": URL, "pager": PHONE, "sms": PHONE}
_PERSON_RESOURCES = {"Patient", "RelatedPerson", "Person"}
_FREE_TEXT_KEYS = {"div", "text", "display", "valueString", "comment", "description", "conclusion", "note",
                   "valueMarkdown", "patientInstruction"}
_PRECISE_DATE = re.compile(r"^\d{4}-\d{2}")
_TEXT_PATTERNS = [
    (SSN, re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (EMAIL, re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    (URL, re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    (IP, re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    (PHONE, re.compile(r"(?<!\d)(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?!\d)")),
    (DATES, re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")),
    (ZIP, re.compile(r"\b\d{5}-\d{4}\b")),
    (MRN, re.compile(r"\bMRN\s*[:#]?\s*\w+", re.IGNORECASE)),
    (NAMES, re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z][a-z]+")),
]


@dataclass(frozen=True, order=True)
class Finding:
    category: str
    path: str  # JSON path, e.g. $.entry[0].resource.name[0]


def scan(record: Any, today: date | None = None) -> list[Finding]:
    """Every Safe Harbor identifier in a FHIR JSON record (a Bundle or a single resource)."""
    found: set[Finding] = set()
    names = _known_names(record)
    for path, key, value, resource_type in _walk(record, "$", None, None):
        found.update(_structured(path, key, value, resource_type, today or date.today()))
        if isinstance(value, str) and key in _FREE_TEXT_KEYS:
            found.update(_free_text(path, value, names))
    return sorted(found)


def _structured(path: str, key: str | None, value: Any, resource_type: str | None, today: date) -> Iterator[Finding]:
    person = resource_type in _PERSON_RESOURCES
    if key == "name" and person and value:
        yield Finding(NAMES, path)
    elif key == "telecom" and isinstance(value, list):
        for i, point in enumerate(value):
            if isinstance(point, dict) and point.get("value"):
                yield Finding(_TELECOM.get(str(point.get("system")), PHONE), f"{path}[{i}]")
    elif key in ("address", "valueAddress") and value:
        for i, address in enumerate(value if isinstance(value, list) else [value]):
            yield from _address(f"{path}[{i}]" if isinstance(value, list) else path, address)
    elif key == "identifier" and person and isinstance(value, list):
        for i, ident in enumerate(value):
            if isinstance(ident, dict) and ident.get("value"):
                yield Finding(_identifier_category(ident), f"{path}[{i}]")
    elif key == "photo" and value:
        yield Finding(PHOTO, path)
    elif key == "url" and isinstance(value, str) and value.endswith("geolocation"):
        yield Finding(GEOGRAPHY, path.rsplit(".", 1)[0])
    elif key == "url" and isinstance(value, str) and value.endswith("patient-mothersMaidenName"):
        yield Finding(NAMES, path.rsplit(".", 1)[0])
    elif isinstance(value, str) and _PRECISE_DATE.match(value) and key not in _FREE_TEXT_KEYS:
        yield Finding(DATES, path)
        if key == "birthDate" and _age(value, today) > 89:
            yield Finding(AGE_OVER_89, path)


def _address(path: str, address: Any) -> Iterator[Finding]:
    if not isinstance(address, dict):
        return
    for part in ("line", "city", "district", "text"):
        if address.get(part):
            yield Finding(GEOGRAPHY, f"{path}.{part}")
    if len(re.sub(r"\D", "", str(address.get("postalCode", "")))) > 3:
        yield Finding(ZIP, f"{path}.postalCode")


def _identifier_category(identifier: dict[str, Any]) -> str:
    codes = [c.get("code") for c in (identifier.get("type") or {}).get("coding", []) if isinstance(c, dict)]
    return next((_IDENTIFIER_TYPES[c] for c in codes if c in _IDENTIFIER_TYPES), OTHER_ID)


def _free_text(path: str, text: str, names: set[str]) -> Iterator[Finding]:
    for category, pattern in _TEXT_PATTERNS:
        if pattern.search(text):
            yield Finding(category, path)
    words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", text))
    if words & names:
        yield Finding(NAMES, path)


def _known_names(record: Any) -> set[str]:
    """The record's own people's name parts: how a name in a note is recognised."""
    parts: set[str] = set()
    for _, key, value, resource_type in _walk(record, "$", None, None):
        if key == "name" and resource_type in _PERSON_RESOURCES and isinstance(value, list):
            for name in value:
                if isinstance(name, dict):
                    for part in [*name.get("given", []), name.get("family", "")]:
                        parts.update(w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", str(part)) if len(w) > 2)
    return parts


Visit = tuple[str, str | None, Any, str | None]  # (JSON path, key, value, enclosing resource type)


def _walk(node: Any, path: str, key: str | None, resource_type: str | None) -> Iterator[Visit]:
    if isinstance(node, dict):
        resource_type = node.get("resourceType", resource_type)
        for k, v in node.items():
            child = f"{path}.{k}"
            yield child, k, v, resource_type
            yield from _walk(v, child, k, resource_type)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]", key, resource_type)


def _age(birth: str, today: date) -> int:
    return today.year - int(birth[:4])
