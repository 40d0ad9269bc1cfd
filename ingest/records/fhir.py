"""FHIR R4 input: Bundles (transaction, batch, collection) and Bulk FHIR NDJSON.

Parsed and validated by ``fhir.resources`` (its R4B models read R4 resources). Problems are
reported with the file and the JSON path, never with the value found there: a value in a
patient record may itself be an identifier.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from ckg.errors import DocumentTooLarge, InputError

BUNDLE_TYPES = {"transaction", "batch", "collection"}
PATIENT_REFERENCES = ("subject", "patient")


@dataclass
class RecordInput:
    """One bundle to store in one transaction: a Bundle file, or one patient of an NDJSON export."""

    source: str  # file, and line for NDJSON
    raw: dict[str, Any]  # the JSON as read (the PHI gate scans it)
    resources: list[Resource]


def read_records(path: Path, max_bytes: int) -> list[RecordInput]:
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentTooLarge(f"is {size} bytes; the limit is {max_bytes}", source=str(path))
    if size == 0:
        raise InputError("is empty (0 bytes): no FHIR content", source=str(path))
    if path.suffix == ".ndjson":
        return list(_ndjson_patients(path))
    try:
        raw = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"is not valid JSON ({type(exc).__name__} at {_position(exc)})", source=str(path)) from exc
    return [bundle_record(raw, str(path))]


def bundle_record(raw: Any, source: str, check_references: bool = True) -> RecordInput:
    """A validated Bundle whose references all resolve inside it.

    Bulk exports skip the reference check: there an encounter or a practitioner lives in
    another file by design, and each resource's patient was resolved when grouping.
    """
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        found = raw.get("resourceType") if isinstance(raw, dict) else type(raw).__name__
        raise InputError(f"$.resourceType: expected a FHIR Bundle, found {found!r}", source=source)
    if raw.get("type") not in BUNDLE_TYPES:
        raise InputError(f"$.type: bundle type must be one of {sorted(BUNDLE_TYPES)}", source=source)
    bundle: Any = _validated(Bundle, raw, source)
    resources = [entry.resource for entry in bundle.entry or [] if entry.resource is not None]
    if check_references:
        _check_references(raw, source)
    return RecordInput(source, raw, resources)


def _ndjson_patients(path: Path) -> Iterator[RecordInput]:
    """Bulk FHIR: one resource per line; each patient with the resources that refer to it."""
    by_patient: dict[str, list[dict[str, Any]]] = {}
    order: list[str] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            resource = json.loads(line)
        except ValueError as exc:
            raise InputError(f"is not valid JSON ({_position(exc)})", source=where) from exc
        _validated(_model_of(resource, where), resource, where)
        key = _patient_of(resource, where)
        if key not in by_patient:
            order.append(key)
        by_patient.setdefault(key, []).append(resource)
    for n, key in enumerate(order, start=1):
        entries = [{"fullUrl": f"urn:uuid:{r.get('id')}", "resource": r} for r in by_patient[key]]
        yield bundle_record({"resourceType": "Bundle", "type": "collection", "entry": entries},
                            f"{path} (patient {n} of {len(order)})", check_references=False)


def _model_of(resource: Any, where: str) -> type[Resource]:
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    try:
        return cast(type[Resource], get_fhir_model_class(str(kind)))
    except (KeyError, ValueError) as exc:
        raise InputError(f"$.resourceType: {kind!r} is not a FHIR R4 resource type", source=where) from exc


def _patient_of(resource: dict[str, Any], where: str) -> str:
    if resource["resourceType"] == "Patient":
        return str(resource.get("id"))
    for field in PATIENT_REFERENCES:
        ref = (resource.get(field) or {}).get("reference")
        if ref:
            return _target_id(str(ref))
    raise InputError(f"$: a {resource['resourceType']} that refers to no patient", source=where)


def _validated(model: type[Resource], raw: dict[str, Any], source: str) -> Resource:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]  # its "input" may be PHI: only the path and the message are used
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise InputError(f"{_json_path(first['loc'])}: {first['msg']}{more}", source=source) from exc


def _check_references(raw: dict[str, Any], source: str) -> None:
    """Every reference must point at an entry of the bundle (by fullUrl or Type/id)."""
    targets: set[str] = set()
    for entry in raw.get("entry", []):
        resource = entry.get("resource") or {}
        targets.update(t for t in (entry.get("fullUrl"), f"{resource.get('resourceType')}/{resource.get('id')}") if t)
    for path, ref in _references(raw, "$"):
        # "#x" is contained; an absolute URL resolves by its trailing Type/id
        if not (ref.startswith("#") or ref in targets or "/".join(ref.split("/")[-2:]) in targets):
            raise InputError(f"{path}: reference points at no resource in the bundle", source=source)


def _references(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield f"{path}.reference", value
            else:
                yield from _references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _references(value, f"{path}[{i}]")


def _target_id(reference: str) -> str:
    """"Patient/x", "urn:uuid:x" and "https://.../Patient/x" all name x."""
    return reference.rsplit("/", 1)[-1].removeprefix("urn:uuid:")


def _json_path(loc: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _position(exc: Exception) -> str:
    return f"line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "unknown position"
