"""The guideline lifecycle: version history and diffs (clinicians and curators read), withdrawal and
supersession (curators), and the past answers an update made stale (curators)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import SystemDep
from api.errors import not_found
from api.schemas import (
    ErrorOut,
    GuidelineHistoryOut,
    RetirementOut,
    StaleAnswerOut,
    SupersedeRequest,
    VersionDiffOut,
    WithdrawRequest,
)
from api.security import MayIngest, MayQuery
from runtime import lifecycle

router = APIRouter(tags=["guidelines"])
GuidelineId = Annotated[str, Path(max_length=100, description="A guideline id, e.g. ngc-9851.")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Already withdrawn or superseded, or another process is writing."}}


@router.get("/v1/guidelines/{guideline_id}/history", response_model=GuidelineHistoryOut,
            responses=not_found("guideline"), summary="A guideline's versions, when each was valid, and its status")
async def history(guideline_id: GuidelineId, system: SystemDep, _: MayQuery) -> GuidelineHistoryOut:
    """Roles: clinician, reviewer, curator, admin."""
    found = await run_in_threadpool(lifecycle.history, system.graph, guideline_id)
    return GuidelineHistoryOut.model_validate(found)


@router.get("/v1/guidelines/{guideline_id}/diff", response_model=VersionDiffOut,
            responses=not_found("guideline or version"), summary="What changed between two versions")
async def diff(
    guideline_id: GuidelineId, system: SystemDep, _: MayQuery,
    old: Annotated[str | None, Query(max_length=100, description="Version id (or its hash part); "
                                     "with `new`. Default: the two latest versions.")] = None,
    new: Annotated[str | None, Query(max_length=100, description="Version id (or its hash part).")] = None,
) -> VersionDiffOut:
    """Roles: clinician, reviewer, curator, admin. Sections added, removed and changed (with the
    changed lines), recommendations added, removed, reworded and regraded, chunks kept."""
    change = await run_in_threadpool(lifecycle.diff, system.graph, guideline_id, old, new)
    return VersionDiffOut.model_validate(change.as_dict())


@router.post("/v1/guidelines/{guideline_id}/withdraw", response_model=RetirementOut,
             responses=not_found("guideline") | CONFLICT, summary="Withdraw a guideline: never cited again")
async def withdraw(guideline_id: GuidelineId, body: WithdrawRequest, request: Request, system: SystemDep,
                   caller: MayIngest) -> RetirementOut:
    """Roles: curator, admin. The guideline stays in the graph as history, with who withdrew it, when
    and why; answers stop citing it at once, in every worker (they pick up the new index snapshot)."""
    done = await run_in_threadpool(system.retire, guideline_id, "withdrawn", caller.actor, body.reason)
    request.state.touched = asdict(done)
    return RetirementOut.model_validate(asdict(done))


@router.post("/v1/guidelines/{guideline_id}/supersede", response_model=RetirementOut,
             responses=not_found("guideline") | CONFLICT, summary="Mark a guideline superseded by another")
async def supersede(guideline_id: GuidelineId, body: SupersedeRequest, request: Request, system: SystemDep,
                    caller: MayIngest) -> RetirementOut:
    """Roles: curator, admin. Like a withdrawal, with a SUPERSEDED_BY link to its replacement."""
    done = await run_in_threadpool(system.retire, guideline_id, "superseded", caller.actor, body.reason, body.by)
    request.state.touched = asdict(done)
    return RetirementOut.model_validate(asdict(done))


@router.get("/v1/answers/stale", response_model=list[StaleAnswerOut], responses=not_found("guideline"),
            summary="Past answers whose cited passages changed or were withdrawn")
async def stale_answers(
    system: SystemDep, _: MayIngest,
    since: Annotated[str | None, Query(max_length=40, description="Only answers since this ISO date (UTC).")] = None,
) -> list[StaleAnswerOut]:
    """Roles: curator, admin. From the answer log: each past answer citing a passage that is no longer
    in its guideline's current version (with the cited section's changes), or whose guideline was
    withdrawn or superseded. `ckg answers stale --enqueue` queues them for clinician review."""
    found = await run_in_threadpool(system.stale_answers, since)
    return [StaleAnswerOut.model_validate(asdict(s)) for s in found]
