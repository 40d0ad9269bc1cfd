"""Questions and their answers; the caller's own history."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from answering.answer import Answer
from api.deps import SystemDep
from api.errors import ERRORS, not_found
from api.schemas import AnswerOut, ErrorOut, HistoryOut, QueryRequest
from api.security import MayQuery

router = APIRouter(tags=["query"])
TIMEOUT: dict[int | str, dict[str, Any]] = {504: {"model": ErrorOut, "description": "No answer within the time limit."}}


@router.post("/v1/query", response_model=AnswerOut, responses=not_found("patient (patient_key)") | TIMEOUT,
             summary="Answer a clinical question from cited, checked evidence")
async def query(body: QueryRequest, request: Request, system: SystemDep, _: MayQuery) -> AnswerOut:
    """Roles: clinician, reviewer, curator, admin. The question and what the answer cited are
    written to the audit trail."""
    request.state.touched = {"question": body.question, "patient_key": body.patient_key}
    timeout = request.app.state.settings.api.request_timeout_s
    ask = partial(system.ask, body.question, body.top_k, (), body.patient_key)
    try:
        # Answers get their own few threads: queued questions wait there without starving the
        # credential checks, audit appends and history reads of the shared thread pool.
        answer = await asyncio.wait_for(request.app.state.answer_queue.run(ask), timeout)
    except TimeoutError:
        raise HTTPException(504, f"no answer within {timeout:.0f} s; try again or narrow the question") from None
    request.state.touched = touched_by(answer, body.patient_key)
    return AnswerOut.model_validate(asdict(answer))


def touched_by(answer: Answer, patient_key: str | None) -> dict[str, object]:
    return {"question": answer.question, "abstained": answer.abstained, "patient_key": patient_key,
            "versions": sorted({c.version_id for c in answer.citations}),
            "chunks": [c.chunk_id for c in answer.citations]}


@router.get("/v1/history", response_model=list[HistoryOut], responses=ERRORS,
            summary="The questions you asked, newest first, with what their answers cited")
async def history(
    system: SystemDep, caller: MayQuery,
    limit: Annotated[int, Query(ge=1, le=500, description="How many questions.")] = 50,
) -> list[HistoryOut]:
    """Roles: clinician, reviewer, curator, admin; each sees only their own questions."""
    entries = await run_in_threadpool(system.audit.search, actor=caller.actor, route="/v1/query", limit=limit)
    return [HistoryOut(time=e["time"], question=t["question"], abstained=t.get("abstained", True),
                       versions=t.get("versions", []), chunks=t.get("chunks", []), patient_key=t.get("patient_key"))
            for e in entries if (t := e["touched"]).get("question") is not None and e["status"] == 200]
