"""Questions and their answers; the caller's own history."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from answering.answer import Answer
from api.deps import SystemDep
from api.errors import ERRORS, not_found
from api.schemas import AnswerOut, ErrorOut, HistoryOut, QueryRequest
from api.security import MayQuery
from review.items import ORIGIN_TRAFFIC
from runtime.system import ANSWER_ROUTES, System

router = APIRouter(tags=["query"])
TIMEOUT: dict[int | str, dict[str, Any]] = {504: {"model": ErrorOut, "description": "No answer within the time limit."}}


@router.post("/v1/query", response_model=AnswerOut, responses=not_found("patient (patient_key)") | TIMEOUT,
             summary="Answer a clinical question from cited, checked evidence")
async def query(body: QueryRequest, request: Request, system: SystemDep, background: BackgroundTasks,
                _: MayQuery) -> AnswerOut:
    """Roles: clinician, reviewer, curator, admin. The question and what the answer cited are
    written to the audit trail; a share of answers (CKG_REVIEW__SAMPLE_RATE) joins the clinician
    review queue."""
    as_of = body.as_of.isoformat() if body.as_of else None
    answer = await answer_question(request, system, background, body.question, body.top_k, body.patient_key, as_of)
    return AnswerOut.model_validate(asdict(answer))


async def answer_question(request: Request, system: System, background: BackgroundTasks, question: str,
                          top_k: int | None, patient_key: str | None, as_of: str | None = None) -> Answer:
    """The answer queue, the time limit, the audit record and review sampling: the same for the
    JSON API and the Ask page."""
    request.state.touched = {"question": question, "patient_key": patient_key}
    timeout = request.app.state.settings.api.request_timeout_s
    ask = partial(system.ask, question, top_k, (), patient_key, as_of)
    try:
        # Answers get their own few threads: queued questions wait there without starving the
        # credential checks, audit appends and history reads of the shared thread pool.
        answer = await asyncio.wait_for(request.app.state.answer_queue.run(ask), timeout)
    except TimeoutError:
        raise HTTPException(504, f"no answer within {timeout:.0f} s; try again or narrow the question") from None
    request.state.touched = touched_by(answer, patient_key)
    if system.reviews.sampled():  # after the response: the clinician does not wait for the queue
        background.add_task(system.reviews.enqueue, answer, ORIGIN_TRAFFIC, patient_key is not None)
    return answer


def touched_by(answer: Answer, patient_key: str | None) -> dict[str, object]:
    return {"question": answer.question, "abstained": answer.abstained, "patient_key": patient_key,
            **({"as_of": answer.as_of} if answer.as_of else {}),
            "versions": sorted({c.version_id for c in answer.citations}),
            "chunks": [c.chunk_id for c in answer.citations]}


@router.get("/v1/history", response_model=list[HistoryOut], responses=ERRORS,
            summary="The questions you asked, newest first, with what their answers cited")
async def history(
    system: SystemDep, caller: MayQuery,
    limit: Annotated[int, Query(ge=1, le=500, description="How many questions.")] = 50,
) -> list[HistoryOut]:
    """Roles: clinician, reviewer, curator, admin; each sees only their own questions."""
    entries = await run_in_threadpool(system.audit.search, actor=caller.actor, route=ANSWER_ROUTES,
                                      limit=limit)
    return [HistoryOut(time=e["time"], question=t["question"], abstained=t.get("abstained", True),
                       versions=t.get("versions", []), chunks=t.get("chunks", []), patient_key=t.get("patient_key"))
            for e in entries if (t := e["touched"]).get("question") is not None and e["status"] == 200]
