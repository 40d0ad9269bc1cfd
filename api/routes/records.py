"""De-identified patient records, behind the PHI gate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import SystemDep
from api.errors import ERRORS
from api.schemas import RecordsOut
from api.security import MayIngest
from ckg.errors import RecordRejected
from ingest.records.fhir import bundle_record


def router(max_bundle_bytes: int) -> APIRouter:
    routes = APIRouter(tags=["records"])

    @routes.post("/v1/records", response_model=RecordsOut, responses=ERRORS, max_body_size=max_bundle_bytes,
                 summary="Store one de-identified FHIR R4 Bundle behind the PHI gate")
    async def records(
        request: Request,
        bundle: Annotated[dict[str, Any], Body(description="A FHIR R4 Bundle: transaction, batch or collection.")],
        system: SystemDep,
        _: MayIngest,
        deidentify: Annotated[bool, Query(description="Transform by HIPAA Safe Harbor instead of rejecting.")] = False,
    ) -> RecordsOut:
        """Roles: curator, admin. A bundle carrying any Safe Harbor identifier is rejected whole (422,
        with the identifier categories and JSON paths, never the values) unless `deidentify` is set.
        One transaction. The body is refused (413) once it passes the upload limit, while it streams."""
        record = bundle_record(bundle, "request body")
        report = await run_in_threadpool(system.records.ingest_bundle, record, deidentify)
        if report.rejected:
            rejection = report.rejected[0]
            found = rejection.get("identifiers") or {}
            request.state.touched = {"rejected": {c: v["paths"] for c, v in found.items()} or "malformed"}
            raise RecordRejected(rejection)
        request.state.touched = {"patient_key": report.ingested[0], "resources": report.resources,
                                 "deidentified": sorted(report.deidentified)}
        return RecordsOut(patient_key=report.ingested[0], resources=report.resources, facts=report.facts,
                          deidentified=sorted(report.deidentified))

    return routes
