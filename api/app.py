"""The specialist query API (FastAPI)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.deps import SystemDep
from api.schemas import AnswerOut, ErrorOut, HealthOut, QueryRequest, RecordsOut
from ckg import __version__
from ckg.errors import CkgError, DocumentTooLarge, RecordRejected
from ckg.settings import Settings, get_settings
from ingest.records.fhir import bundle_record
from runtime.system import System

log = logging.getLogger(__name__)

DESCRIPTION = """
Grounded clinical decision support. Every answer sentence is cited down to the guideline
version, section and character span, and checked against what it cites before it is
returned: quoted verbatim (the default, extractive answers) or verified claim by claim
(numbers, negation, concepts, populations, strength) when an LLM writes the answer.
Unsupported sentences are removed or marked; when the evidence does not address the
question, the service abstains rather than guess. De-identified patient records enter
through a HIPAA Safe Harbor gate and can inform a question (`patient_key`).
"""

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Upload over the size limit."},
    422: {"model": ErrorOut, "description": "The request is invalid."},
    503: {"model": ErrorOut, "description": "The graph database or the vector index is unavailable."},
}


def create_app(settings: Settings | None = None, system: System | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = system is None
        app.state.system = system or System.open(settings or get_settings())
        yield
        if owned:
            app.state.system.close()

    app = FastAPI(title="clinical-kg", version=__version__, description=DESCRIPTION, lifespan=lifespan)

    @app.exception_handler(CkgError)
    async def ckg_error(_: Request, exc: CkgError) -> JSONResponse:
        log.warning("request failed", extra={"error": type(exc).__name__, "status": exc.http_status})
        return JSONResponse(status_code=exc.http_status, content={"error": type(exc).__name__, "detail": str(exc)})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI would echo the offending input back; in a patient record that may be PHI.
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse(status_code=422, content={"error": "InputError", "detail": problems})

    @app.post("/v1/query", response_model=AnswerOut, responses=ERRORS, tags=["query"],
              summary="Answer a clinical question from cited, checked evidence")
    async def query(body: QueryRequest, system: SystemDep) -> AnswerOut:
        answer = await run_in_threadpool(system.ask, body.question, body.top_k, (), body.patient_key)
        return AnswerOut.model_validate(asdict(answer))

    @app.get("/v1/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}}, tags=["operations"],
             summary="Graph and index reachable and consistent")
    async def healthz(system: SystemDep) -> JSONResponse:
        try:
            await run_in_threadpool(system.graph.ping)
            consistent = system.index.chunk_ids() == await run_in_threadpool(system.graph.current_chunk_ids)
            body = HealthOut(status="ok", graph=system.graph.engine, index_vectors=system.index.count,
                             consistent=consistent)
            return JSONResponse(body.model_dump())
        except CkgError as exc:
            body = HealthOut(status="unavailable", graph=system.graph.uri, index_vectors=system.index.count,
                             consistent=False, detail=str(exc))
            return JSONResponse(body.model_dump(), status_code=503)

    @app.post("/v1/records", response_model=RecordsOut, responses=ERRORS, tags=["records"],
              summary="Store one de-identified FHIR R4 Bundle behind the PHI gate")
    async def records(
        request: Request,
        bundle: Annotated[dict[str, Any], Body(description="A FHIR R4 Bundle: transaction, batch or collection.")],
        system: SystemDep,
        deidentify: Annotated[bool, Query(description="Transform by HIPAA Safe Harbor instead of rejecting.")] = False,
    ) -> RecordsOut:
        """A bundle carrying any Safe Harbor identifier is rejected whole (422, with the identifier
        categories and JSON paths, never the values) unless `deidentify` is set. One transaction."""
        limit = system.settings.ingest.max_file_bytes
        if int(request.headers.get("content-length") or 0) > limit:
            raise DocumentTooLarge(f"the bundle is over the {limit}-byte limit", source="request body")
        record = bundle_record(bundle, "request body")
        report = await run_in_threadpool(system.records.ingest_bundle, record,
                                         deidentify)
        if report.rejected:
            raise RecordRejected(report.rejected[0])
        return RecordsOut(patient_key=report.ingested[0], resources=report.resources, facts=report.facts,
                          deidentified=sorted(report.deidentified))

    return app
