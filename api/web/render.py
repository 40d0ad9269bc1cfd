"""Rendering pages, and the rule for which requests are pages (they get HTML errors, not JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from access.roles import Permission, Principal

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
PAGES = ("/ask", "/review", "/attribution", "/signin", "/signout")


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or any(path == p or path.startswith(p + "/") for p in PAGES)


def page(request: Request, name: str, principal: Principal | None, status: int = 200, **context: Any) -> HTMLResponse:
    may_review = bool(principal and principal.may(Permission.review))
    return templates.TemplateResponse(request, name, {"principal": principal, "may_review": may_review, **context},
                                      status_code=status)


def page_error(request: Request, status: int, detail: str) -> Response:
    """Not signed in: to the sign-in page and back; anything else: a page that says what went wrong."""
    if status == 401 and request.url.path not in ("/signin", "/signout"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={target}", status_code=303)
    heading = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 422: "Please check what you entered",
               429: "Too many requests", 503: "Busy", 504: "No answer in time"}.get(status, "Something went wrong")
    principal = getattr(request.state, "principal", None)
    referer = request.headers.get("referer", "")
    back = referer if referer.startswith(str(request.base_url)) else None
    return page(request, "message.html", principal, status, heading=heading, text=detail, error=True, back=back)
