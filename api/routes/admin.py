"""Administration: API keys and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from access.roles import Role
from api.deps import SystemDep
from api.errors import ERRORS, not_found
from api.schemas import AuditEntryOut, ChainCheckOut, KeyCreate, KeyCreatedOut, KeyOut
from api.security import MayAdminister

router = APIRouter(tags=["administration"])


@router.get("/v1/keys", response_model=list[KeyOut], responses=ERRORS, summary="List API keys (never the keys)")
async def list_keys(system: SystemDep, _: MayAdminister) -> list[KeyOut]:
    """Role: admin."""
    rows = await run_in_threadpool(system.authenticator.keys.list)
    return [KeyOut(key_id=r.key_id, name=r.name, role=Role(r.role), created=r.created, revoked=r.revoked) for r in rows]


@router.post("/v1/keys", response_model=KeyCreatedOut, status_code=201, responses=ERRORS,
             summary="Create an API key: the key is in this response only")
async def create_key(body: KeyCreate, request: Request, system: SystemDep, _: MayAdminister) -> KeyCreatedOut:
    """Role: admin. Only an argon2 hash of the key is stored."""
    key, row = await run_in_threadpool(system.authenticator.keys.create, body.name, body.role)
    request.state.touched = {"key_id": row.key_id, "name": row.name, "role": row.role}
    return KeyCreatedOut(key_id=row.key_id, name=row.name, role=Role(row.role), created=row.created, key=key)


@router.delete("/v1/keys/{key_id}", status_code=204, responses=not_found("key"), summary="Revoke an API key")
async def revoke_key(key_id: str, request: Request, system: SystemDep, _: MayAdminister) -> Response:
    """Role: admin. Takes effect at once, in every worker."""
    request.state.touched = {"key_id": key_id}
    await run_in_threadpool(system.authenticator.keys.revoke, key_id)
    return Response(status_code=204)


@router.get("/v1/audit", response_model=list[AuditEntryOut], responses=ERRORS,
            summary="Audit trail entries, newest first")
async def audit(
    request: Request, system: SystemDep, _: MayAdminister,
    actor: Annotated[str | None, Query(description="'key:<id>', 'oidc:<subject>' or 'cli:<user>'.")] = None,
    since: Annotated[str | None, Query(description="ISO date or time (UTC), e.g. 2026-11-01.")] = None,
    patient: Annotated[str | None, Query(description="A patient key: who used this patient's record.")] = None,
    version: Annotated[str | None, Query(description="A guideline version id: answers that cited it.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    """Role: admin."""
    request.state.touched = {k: v for k, v in {"actor": actor, "since": since, "patient_key": patient,
                                                "version": version}.items() if v is not None}
    entries = await run_in_threadpool(system.audit.search, actor=actor, since=since, patient=patient,
                                      version=version, limit=limit)
    return [AuditEntryOut.model_validate(e) for e in entries]


@router.get("/v1/audit/verify", response_model=ChainCheckOut, responses=ERRORS,
            summary="Walk the audit chain: is every entry intact and in place?")
async def verify_audit(system: SystemDep, _: MayAdminister) -> ChainCheckOut:
    """Role: admin. Names the first entry edited, removed or out of order."""
    check = await run_in_threadpool(system.audit.verify)
    return ChainCheckOut(intact=check.intact, entries=check.entries, problem=check.problem, seq=check.seq,
                         line=check.line)
