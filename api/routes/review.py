"""Clinician review of citations: flags from the Ask page, the queue, judgements, attribution."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import SystemDep
from api.errors import ERRORS, not_found
from api.schemas import AttributionOut, ErrorOut, FlagIn, JudgementIn, PassageOut, ReviewItemOut
from api.security import MayQuery, MayReview
from review.attribution import to_csv
from review.desk import Flag
from review.items import ReviewItem
from review.passages import passage

router = APIRouter(tags=["review"])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Adjudication of an item not disputed, or by one of its reviewers."}}


def item_out(item: ReviewItem) -> ReviewItemOut:
    settlement = item.settlement
    return ReviewItemOut.model_validate({**asdict(item), "status": settlement.status, "final": settlement.final})


def touched(item: ReviewItem, **more: object) -> dict[str, object]:
    """What the audit trail records of a review request: the item and the version and chunk it judges."""
    return {"item": item.item_id, "versions": [item.version_id], "chunks": [item.chunk_id], **more}


@router.post("/v1/review/flags", status_code=201, response_model=ReviewItemOut, responses=not_found("chunk"),
             summary="Flag a citation of an answer for clinician review")
async def flag(body: FlagIn, request: Request, system: SystemDep, _: MayQuery) -> ReviewItemOut:
    """Roles: everyone who may ask. The item goes to the front of the review queue; the note is
    checked for PHI (422 naming the identifier categories, nothing stored)."""
    item = await run_in_threadpool(system.reviews.flag, Flag(**body.model_dump()))
    request.state.touched = touched(item, flagged=True)
    return item_out(item)


@router.get("/v1/review/next", response_model=ReviewItemOut, responses={**ERRORS, 204: {"description": "Queue empty."}},
            summary="The next item for you to judge")
async def next_item(system: SystemDep, caller: MayReview,
                    adjudicate: Annotated[bool, Query(description="Disputed items, for a third reviewer.")] = False,
                    ) -> ReviewItemOut | Response:
    """Roles: reviewer, admin. Riskiest, then newest, of the items you have not judged."""
    item = await run_in_threadpool(system.reviews.next_item, caller.actor, adjudicate)
    return item_out(item) if item else Response(status_code=204)


@router.get("/v1/review/items/{item_id}", response_model=ReviewItemOut, responses=not_found("review item"),
            summary="One review item with its judgements")
async def get_item(item_id: str, system: SystemDep, _: MayReview) -> ReviewItemOut:
    """Roles: reviewer, admin."""
    return item_out(await run_in_threadpool(system.reviews.item, item_id))


@router.post("/v1/review/items/{item_id}/judgements", response_model=ReviewItemOut,
             responses=not_found("review item") | CONFLICT, summary="Judge a citation")
async def judge(item_id: str, body: JudgementIn, request: Request, system: SystemDep,
                caller: MayReview) -> ReviewItemOut:
    """Roles: reviewer, admin. Judging an item again replaces your earlier judgement. The comment
    is checked for PHI (422, nothing stored)."""
    role = caller.role.value if caller.role else "unknown"
    item = await run_in_threadpool(system.reviews.judge, item_id, caller.actor, role, body.label, body.comment,
                                   body.seconds, body.adjudicate)
    request.state.touched = touched(item, label=body.label.value, adjudication=body.adjudicate)
    return item_out(item)


@router.get("/v1/passages/{chunk_id}", response_model=PassageOut, responses=not_found("chunk"),
            summary="A cited span inside its section, with its guideline and version")
async def get_passage(chunk_id: str, system: SystemDep, _: MayQuery,
                      start: Annotated[int | None, Query(ge=0, description="Span start (default: chunk).")] = None,
                      end: Annotated[int | None, Query(ge=1, description="Span end.")] = None) -> PassageOut:
    """Roles: everyone who may ask. Chunk ids hold '@' and '#': send them URL-encoded (`%40`, `%23`)."""
    found = await run_in_threadpool(passage, system.graph, chunk_id, start, end)
    return PassageOut.model_validate(asdict(found))


@router.get("/v1/attribution", response_model=list[AttributionOut],
            responses=ERRORS | {200: {"content": {"text/csv": {}}}},
            summary="Which guidelines or developers carried the answers, and how reviewers judged them")
async def attribution(
    system: SystemDep, _: MayReview,
    by: Annotated[Literal["guideline", "developer"], Query(description="Group by.")] = "guideline",
    since: Annotated[str | None, Query(max_length=32, description="From this ISO date or time (UTC).")] = None,
    until: Annotated[str | None, Query(max_length=32, description="Before this ISO date or time (UTC).")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="csv: a spreadsheet download.")] = "json",
) -> list[AttributionOut] | Response:
    """Roles: reviewer, admin."""
    rows = await run_in_threadpool(lambda: system.reviews.attribution(by, system.answered_questions(), since, until))
    if format == "csv":
        return Response(to_csv([r.row() for r in rows]), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="attribution-by-{by}.csv"'})
    return [AttributionOut.model_validate(r.row()) for r in rows]
