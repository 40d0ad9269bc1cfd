"""Every route but the health check asks one dependency for a permission: who is calling, may
their role do this, and have they requests left. Refusals never hint at what exists."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from access.credentials import Authenticator
from access.roles import Permission, Principal, roles_with

bearer = HTTPBearer(auto_error=False, scheme_name="credential",
                    description="An API key (`ckg_...`, from `ckg keys create`) or an OIDC access token from the "
                    "hospital's identity provider.")


SESSION_COOKIE = "ckg_session"
session = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="web sign-in",
                       description="Set by signing in at /signin (the web pages); holds the same credential.")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def unauthorized(detail: str, invalid: bool) -> HTTPException:
    challenge = 'Bearer realm="clinical-kg"' + (', error="invalid_token"' if invalid else "")
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


async def authorize(
    scopes: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session)],
) -> Principal:
    if credentials is None and cookie is None:
        raise unauthorized("a bearer credential is required", invalid=False)
    if credentials is None:
        refuse_cross_site(request)
    presented = credentials.credentials if credentials else str(cookie)
    limits = request.app.state.rate_limits
    client = request.client.host if request.client else "unknown"
    limits.refuse_if_failing(client)
    principal = await run_in_threadpool(request.app.state.system.authenticator.authenticate, presented)
    if principal is None:
        request.state.actor = Authenticator.claimed_actor(presented)
        limits.failed(client)
        raise unauthorized("the credential is not valid", invalid=True)
    request.state.actor, request.state.role, request.state.principal = principal.actor, principal.role, principal
    permission = Permission(scopes.scopes[0])
    if not principal.may(permission):
        allowed = ", ".join(roles_with(permission))
        raise HTTPException(403, f"this needs one of the roles {allowed}; the credential's role is "
                            f"{principal.role.value if principal.role else 'none'}")
    limits.spend(principal.actor)
    return principal


def refuse_cross_site(request: Request) -> None:
    """A change made with the sign-in cookie must come from this site's own pages (the cookie is
    SameSite=Strict already; this also covers browsers that ignore it)."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin") or request.headers.get("referer")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is None or not (origin == own or origin.startswith(own + "/")):
        raise HTTPException(403, "a change made with the sign-in cookie must come from this site's pages")


def caller(permission: Permission) -> object:
    """The dependency a route declares, through the aliases below."""
    return Security(authorize, scopes=[permission.value])


MayQuery = Annotated[Principal, caller(Permission.query)]
MayReview = Annotated[Principal, caller(Permission.review)]
MayIngest = Annotated[Principal, caller(Permission.ingest)]
MayAdminister = Annotated[Principal, caller(Permission.admin)]
