"""ASGI middleware: security headers on every response, and an audit entry for every request."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# The interactive docs load Swagger UI / ReDoc from their CDN and run an inline script.
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
               "worker-src blob:; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
# The web pages: their own styles and script only, forms posting to this site only.
PAGE_POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
UNAUDITED = {"/v1/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        docs = scope["path"].startswith(DOCS_PATHS)
        page = not scope["path"].startswith("/v1/")
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_HEADERS.items():
                    headers.setdefault(name, value)
                if docs:
                    headers["Content-Security-Policy"] = DOCS_POLICY
                elif page:
                    headers["Content-Security-Policy"] = PAGE_POLICY
                    # Browsers send "Origin: null" after a no-referrer page; the sign-in cookie's
                    # cross-site check needs the real origin on the site's own form posts.
                    headers["Referrer-Policy"] = "same-origin"
                if tls:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AuditTrail:
    """One entry per request, allowed or refused, written (and fsynced) before the response's last
    byte leaves. Routes say what they touched in ``request.state.touched``; the credential check
    says who called in ``request.state.actor`` / ``role``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNAUDITED or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        status, written = 500, False

        async def send_after_audit(message: Message) -> None:
            nonlocal status, written
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body") and not written:
                written = True
                await self._append(scope, status)
            await send(message)

        try:
            await self.app(scope, receive, send_after_audit)
        finally:
            if not written:  # the handler failed before a response: still on the record
                await self._append(scope, status)

    @staticmethod
    async def _append(scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.get("state", {})
        route = scope.get("route")
        record = {
            "actor": state.get("actor", "anonymous"),
            "role": getattr(state.get("role"), "value", None),
            "method": scope["method"],
            "route": getattr(route, "path", scope["path"][:200]),  # the template, e.g. /v1/keys/{key_id}
            "status": status,
            "outcome": "allowed" if status < 400 else "refused" if status < 500 else "failed",
            "touched": state.get("touched", {}),
        }
        await to_thread.run_sync(scope["app"].state.system.audit.append, record)
