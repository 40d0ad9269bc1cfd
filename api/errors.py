"""Error responses: one JSON shape ({error, detail}) for every refusal, documented once."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from api.schemas import ErrorOut
from api.web.render import is_page, page_error
from ckg.errors import CkgError

log = logging.getLogger(__name__)

NAMES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
         413: "TooLarge", 415: "UnsupportedMediaType", 429: "RateLimited", 503: "Overloaded", 504: "Timeout"}

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No credential, or one that is not valid (see WWW-Authenticate)."},
    403: {"model": ErrorOut, "description": "The credential's role may not do this."},
    413: {"model": ErrorOut, "description": "The request body is over the size limit."},
    422: {"model": ErrorOut, "description": "The request is invalid."},
    429: {"model": ErrorOut, "description": "Rate limit reached; see Retry-After."},
    503: {"model": ErrorOut, "description": "The graph database or the vector index is unavailable, or the "
          "service is answering at capacity (see Retry-After)."},
}


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return ERRORS | {404: {"model": ErrorOut, "description": f"No such {what}."}}


def install(app: FastAPI) -> None:
    @app.exception_handler(CkgError)
    async def ckg_error(request: Request, exc: CkgError) -> Response:
        log.warning("request failed", extra={"error": type(exc).__name__, "status": exc.http_status})
        if is_page(request):
            return page_error(request, exc.http_status, str(exc))
        return JSONResponse(status_code=exc.http_status, content={"error": type(exc).__name__, "detail": str(exc)})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI would echo the offending input back; in a patient record that may be PHI.
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        if is_page(request):
            return page_error(request, 422, problems)
        return JSONResponse(status_code=422, content={"error": "InputError", "detail": problems})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if is_page(request) and exc.status_code != 413:
            return page_error(request, exc.status_code, str(exc.detail))
        name = NAMES.get(exc.status_code, "HTTPError")
        headers = dict(exc.headers or {})
        if exc.status_code == 413:  # close, or the server would go on reading (and discarding) the rest
            headers["Connection"] = "close"
        return JSONResponse(status_code=exc.status_code, content={"error": name, "detail": str(exc.detail)},
                            headers=headers)
