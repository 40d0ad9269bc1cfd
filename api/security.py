"""Every route but the health check asks one dependency for a permission: who is calling, may
their role do this, and have they requests left. Refusals never hint at what exists."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from access.credentials import Authenticator
from access.roles import Permission, Principal, roles_with

bearer = HTTPBearer(auto_error=False, scheme_name="credential",
                    description="An API key (`ckg_...`, from `ckg keys create`) or an OIDC access token from the "
                    "hospital's identity provider.")


def unauthorized(detail: str, invalid: bool) -> HTTPException:
    challenge = 'Bearer realm="clinical-kg"' + (', error="invalid_token"' if invalid else "")
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


async def authorize(
    scopes: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise unauthorized("a bearer credential is required", invalid=False)
    limits = request.app.state.rate_limits
    client = request.client.host if request.client else "unknown"
    limits.refuse_if_failing(client)
    principal = await run_in_threadpool(request.app.state.system.authenticator.authenticate, credentials.credentials)
    if principal is None:
        request.state.actor = Authenticator.claimed_actor(credentials.credentials)
        limits.failed(client)
        raise unauthorized("the credential is not valid", invalid=True)
    request.state.actor, request.state.role = principal.actor, principal.role
    permission = Permission(scopes.scopes[0])
    if not principal.may(permission):
        allowed = ", ".join(roles_with(permission))
        raise HTTPException(403, f"this needs one of the roles {allowed}; the credential's role is "
                            f"{principal.role.value if principal.role else 'none'}")
    limits.spend(principal.actor)
    return principal


def caller(permission: Permission) -> object:
    """The dependency a route declares, through the aliases below."""
    return Security(authorize, scopes=[permission.value])


MayQuery = Annotated[Principal, caller(Permission.query)]
MayReview = Annotated[Principal, caller(Permission.review)]
MayIngest = Annotated[Principal, caller(Permission.ingest)]
MayAdminister = Annotated[Principal, caller(Permission.admin)]
