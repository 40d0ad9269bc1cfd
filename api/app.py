"""The specialist query API (FastAPI): the app, its middleware and its routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

from api import errors
from api.answer_queue import AnswerQueue
from api.deps import SystemDep
from api.middleware import AuditTrail, SecurityHeaders
from api.ratelimit import RateLimits
from api.routes import admin, guidelines, query, records, review
from api.schemas import HealthOut
from api.security import authorize
from api.web import pages
from ckg import __version__
from ckg.errors import CkgError
from ckg.settings import Settings, get_settings
from runtime.system import System

DESCRIPTION = """
Grounded clinical decision support. Every answer sentence is cited down to the guideline
version, section and character span, and checked against what it cites before it is
returned: quoted verbatim (the default, extractive answers) or verified claim by claim
(numbers, negation, concepts, populations, strength) when an LLM writes the answer.
Unsupported sentences are removed or marked; when the evidence does not address the
question, the service abstains rather than guess. De-identified patient records enter
through a HIPAA Safe Harbor gate and can inform a question (`patient_key`).

**Access.** Every route but `/v1/healthz` needs `Authorization: Bearer <credential>`: an API key
(`ckg keys create`) or an OIDC access token from the hospital's identity provider. Roles:
`clinician` (ask, own history), `reviewer` (+ citation review), `curator` (+ ingest records),
`admin` (everything, keys and the audit trail). Every request is written to a tamper-evident
audit trail (`ckg audit verify`).
"""

PUBLIC_ROUTES = {"/v1/healthz", *pages.PUBLIC_PAGES}
STATIC = Path(pages.__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, system: System | None = None) -> FastAPI:
    settings = settings or (system.settings if system else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = system is None
        app.state.system = system or System.open(settings)
        yield
        if owned:
            app.state.system.close()

    docs = settings.api.docs
    app = FastAPI(title="clinical-kg", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  max_body_size=settings.api.max_body_bytes, docs_url="/docs" if docs else None,
                  redoc_url="/redoc" if docs else None, openapi_url="/openapi.json" if docs else None)
    app.state.settings = settings
    if system is not None:  # in-process clients (tests, schemathesis) may not run the lifespan
        app.state.system = system
    app.state.answer_queue = AnswerQueue(settings.api.answer_concurrency, settings.api.max_queue_s)
    app.state.rate_limits = RateLimits(settings.api.rate_limit, settings.api.failed_auth_limit)
    errors.install(app)
    app.include_router(query.router)
    app.include_router(records.router(settings.ingest.max_file_bytes))
    app.include_router(admin.router)
    app.include_router(review.router)
    app.include_router(guidelines.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/v1/healthz", healthz, methods=["GET"], response_model=HealthOut, tags=["operations"],
                      responses={503: {"model": HealthOut}}, summary="Graph and index reachable and consistent")
    app.add_middleware(AuditTrail)
    app.add_middleware(SecurityHeaders)
    require_a_rule_on_every_route(app)
    return app


async def healthz(system: SystemDep) -> JSONResponse:
    """No credential needed (for load balancers); says nothing beyond reachability and counts."""
    try:
        await run_in_threadpool(system.graph.ping)
        await run_in_threadpool(system.pick_up_snapshot)  # an idle server follows ingests too
        consistent = system.index.chunk_ids() == await run_in_threadpool(system.graph.current_chunk_ids)
        body = HealthOut(status="ok", graph=system.graph.engine, index_vectors=system.index.count,
                         index_snapshot=system.index.snapshot, consistent=consistent)
        return JSONResponse(body.model_dump())
    except CkgError as exc:
        body = HealthOut(status="unavailable", graph=system.graph.uri, index_vectors=system.index.count,
                         index_snapshot=system.index.snapshot, consistent=False, detail=str(exc))
        return JSONResponse(body.model_dump(), status_code=503)


def require_a_rule_on_every_route(app: FastAPI) -> None:
    """A route added without a permission check is a startup error, not an open door."""
    for path, route in api_routes(app):
        if path not in PUBLIC_ROUTES and authorize not in _calls(route.dependant):
            raise RuntimeError(f"{path} declares no permission (see api/security.py)")


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every API route with its full path, those of included routers too."""
    contexts = iter_route_contexts(app.routes)
    return [(str(c.path), c.original_route) for c in contexts if isinstance(c.original_route, APIRoute)]


def _calls(dependant: Dependant) -> set[object]:
    return {dependant.call}.union(*(_calls(d) for d in dependant.dependencies))
