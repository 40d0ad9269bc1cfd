"""The pages: sign-in, Ask (specialists), Review and Adjudicate (reviewers), Attribution."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from access.credentials import Authenticator
from answering.answer import Answer
from api.deps import SystemDep
from api.routes.query import answer_question
from api.routes.review import touched
from api.security import SESSION_COOKIE, MayQuery, MayReview
from api.web.render import page
from review.desk import Flag
from review.items import ReviewItem, grade_text
from review.labels import TITLES, Label
from review.passages import passage
from runtime.system import System

router = APIRouter(include_in_schema=False)
PUBLIC_PAGES = {"/", "/signin", "/signout"}
MAX_SKIPPED = 50


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/ask", status_code=303)


@router.get("/signin", response_class=HTMLResponse)
async def signin_form(request: Request, next: str = "/ask") -> HTMLResponse:
    return page(request, "signin.html", None, next=_local(next), hours=_hours(request))


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request, system: SystemDep, credential: Annotated[str, Form(max_length=8192)],
                 next: Annotated[str, Form(max_length=500)] = "/ask") -> Response:
    """The credential is checked like a bearer credential; when valid it is kept in an HTTP-only,
    SameSite=Strict cookie, so scripts on the page never see it."""
    limits = request.app.state.rate_limits
    client = request.client.host if request.client else "unknown"
    limits.refuse_if_failing(client)
    principal = await run_in_threadpool(system.authenticator.authenticate, credential.strip())
    if principal is None:
        limits.failed(client)
        request.state.actor = Authenticator.claimed_actor(credential.strip())
        return page(request, "signin.html", None, 401, next=_local(next), hours=_hours(request),
                    error="That key or token is not valid.")
    request.state.actor, request.state.role = principal.actor, principal.role
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, credential.strip(), max_age=int(_hours(request) * 3600), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/signout")
async def signout() -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- Ask ------------------------------------------------------------------------------------
@router.get("/ask", response_class=HTMLResponse)
async def ask_form(request: Request, caller: MayQuery) -> HTMLResponse:
    return page(request, "ask.html", caller, page="ask")


@router.post("/ask", response_class=HTMLResponse)
async def ask(request: Request, system: SystemDep, background: BackgroundTasks, caller: MayQuery,
              question: Annotated[str, Form(min_length=1, max_length=2000, pattern=r"[^\W_]")],
              patient_key: Annotated[str | None, Form(max_length=64)] = None) -> HTMLResponse:
    answer = await answer_question(request, system, background, question.strip(), None, patient_key or None)
    citations = await run_in_threadpool(_citations_shown, system, answer)
    return page(request, "ask.html", caller, page="ask", question=question, patient_key=patient_key, answer=answer,
                citations=citations)


def _citations_shown(system: System, answer: Answer) -> list[dict[str, Any]]:
    """Each citation in its section, with the first sentence citing it (what a flag is about)."""
    shown = []
    for c in answer.citations:
        first = next(s for s in answer.sentences if c.n in s.citations)
        shown.append({"citation": c, "passage": passage(system.graph, c.chunk_id, c.char_start, c.char_end),
                      "grade": grade_text(c.recommendation), "sentence": first.text, "verdict": first.verdict})
    return shown


@router.post("/ask/flag", response_class=HTMLResponse)
async def flag(request: Request, system: SystemDep, caller: MayQuery,
               question: Annotated[str, Form(max_length=2000)], sentence: Annotated[str, Form(max_length=4000)],
               chunk_id: Annotated[str, Form(max_length=200)], char_start: Annotated[int, Form(ge=0)],
               char_end: Annotated[int, Form(ge=1)], note: Annotated[str | None, Form(max_length=2000)] = None,
               verdict: Annotated[Literal["supported", "partial", "unsupported"], Form()] = "supported",
               patient_specific: Annotated[bool, Form()] = False) -> HTMLResponse:
    item = await run_in_threadpool(system.reviews.flag, Flag(question, sentence, chunk_id, char_start, char_end,
                                                             note or None, verdict, 1.0, patient_specific))
    request.state.touched = touched(item, flagged=True)
    return page(request, "message.html", caller, heading="Sent to review",
                text="Thank you: reviewers will see this citation first.", back="/ask")


# -- Review and adjudication ----------------------------------------------------------------
@router.get("/review", response_class=HTMLResponse)
async def review(request: Request, system: SystemDep, caller: MayReview,
                 item: Annotated[str | None, Query(max_length=64)] = None,
                 prev: Annotated[str | None, Query(max_length=64)] = None,
                 skip: Annotated[str, Query(max_length=2000)] = "",
                 adjudicate: bool = False) -> HTMLResponse:
    """The next item (or ``item``, to look again); ``skip``: items passed over this session."""
    skipped = [s for s in skip.split(",") if s][-MAX_SKIPPED:]
    if item:
        shown: ReviewItem | None = await run_in_threadpool(system.reviews.item, item)
    else:
        shown = await run_in_threadpool(system.reviews.next_item, caller.actor, adjudicate, set(skipped))
    context: dict[str, Any] = {"item": shown, "prev": prev, "adjudicate": adjudicate, "titles": TITLES,
                               "labels": list(Label), "skip": ",".join(skipped), "page": "adjudicate" if adjudicate
                               else "review", "shown_at": f"{time.time():.3f}"}
    if shown is not None:
        context["passage"] = await run_in_threadpool(passage, system.graph, shown.chunk_id, shown.char_start,
                                                     shown.char_end)
        context["skip_next"] = quote(",".join([*skipped, shown.item_id]))
        current = shown.current_reviews()
        context["reviews"] = [r for r in current if not r["adjudication"]]
        context["mine"] = next((Label(r["label"]) for r in current if r["reviewer"] == caller.actor), None)
    return page(request, "review.html", caller, **context)


@router.get("/review/adjudicate", response_class=HTMLResponse)
async def adjudicate_page(request: Request, system: SystemDep, caller: MayReview) -> HTMLResponse:
    return await review(request, system, caller, adjudicate=True)


@router.post("/review")
async def judge(request: Request, system: SystemDep, caller: MayReview,
                item_id: Annotated[str, Form(max_length=64)], label: Annotated[Label, Form()],
                shown_at: Annotated[float, Form()], comment: Annotated[str | None, Form(max_length=2000)] = None,
                adjudicate: Annotated[bool, Form()] = False,
                skip: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    """One judgement; the time spent is from the page being shown to the verdict."""
    seconds = min(max(time.time() - shown_at, 0.0), 86_400.0)
    role = caller.role.value if caller.role else "unknown"
    item = await run_in_threadpool(system.reviews.judge, item_id, caller.actor, role, label, comment or None,
                                   seconds, adjudicate)
    request.state.touched = touched(item, label=label.value, adjudication=adjudicate)
    target = f"/review?prev={item.item_id}" + (f"&skip={quote(skip)}" if skip else "")
    return RedirectResponse(target + ("&adjudicate=true" if adjudicate else ""), status_code=303)


# -- Attribution ------------------------------------------------------------------------------
@router.get("/attribution", response_class=HTMLResponse)
async def attribution(request: Request, system: SystemDep, caller: MayReview,
                      by: Literal["guideline", "developer"] = "guideline",
                      since: Annotated[str | None, Query(max_length=32)] = None,
                      until: Annotated[str | None, Query(max_length=32)] = None) -> HTMLResponse:
    rows = await run_in_threadpool(lambda: system.reviews.attribution(by, system.answered_questions(), since or None,
                                                                      until or None))
    return page(request, "attribution.html", caller, page="attribution", rows=[r.row() for r in rows], by=by,
                since=since, until=until)


def _local(target: str) -> str:
    """Only paths on this site: a sign-in link must not send anyone elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/ask"


def _hours(request: Request) -> float:
    return float(request.app.state.settings.review.session_hours)
