"""Clinician review through the API, on the embedded graph with a real guideline and real answers:
the queue, judgements that settle or dispute, adjudication, what verdicts change in answers,
attribution, and `ckg eval review` over 60+ items judged by scripted reviewers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from access.roles import Role
from api.app import create_app
from review.items import ORIGIN_TRAFFIC
from runtime.system import System

from .api_support import bearer, run_ckg, settings_for
from .conftest import REVIEW_QUESTIONS

WORD = re.compile(r"[a-z]{4,}")


@pytest.fixture(scope="module")
def system(review_home: Path) -> Iterator[System]:
    settings = settings_for(review_home).model_copy(deep=True)
    settings.review.double_share = 0.5
    settings.review.sample_rate = 0.0  # items come from the tests alone
    settings.retrieval.answer_window = 1.0  # three quoted sentences per answer: more items per question
    system = System.open(settings)
    yield system
    system.close()


@pytest.fixture(scope="module")
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system.settings, system)) as test_client:
        yield test_client


def queue(system: System, question: str, origin: str = ORIGIN_TRAFFIC) -> list[str]:
    """Answer and queue; the ids of the answer's items."""
    answer = system.ask(question)
    assert not answer.abstained, question
    assert system.reviews.enqueue(answer, origin) == sum(len(s.citations) for s in answer.sentences)
    pairs = {(s.text, c.chunk_id) for s in answer.sentences for c in answer.citations if c.n in s.citations}
    return [i.item_id for i in system.reviews.items() if (i.sentence, i.chunk_id) in pairs and i.question == question]


def judge(client: TestClient, headers: dict[str, str], item_id: str, label: str, **more: Any) -> Any:
    return client.post(f"/v1/review/items/{item_id}/judgements", json={"label": label, "seconds": 3, **more},
                       headers=headers)


def test_a_contradicting_verdict_withdraws_the_citation_from_later_answers(client: TestClient, system: System) -> None:
    question = "What are the major risk factors for PAD?"
    before = client.post("/v1/query", json={"question": question}, headers=bearer(system, Role.clinician)).json()
    first, second = before["sentences"][0], before["sentences"][1]
    items = {i.sentence: i for i in system.reviews.items() if i.question == question}
    assert not items
    queue(system, question)
    items = {i.sentence: i for i in system.reviews.items() if i.question == question}
    a, b = (bearer(system, Role.reviewer, f"withdraw {n}") for n in "ab")
    for reviewer in (a, b):
        assert judge(client, reviewer, items[first["text"]].item_id, "contradicts").status_code == 200
        assert judge(client, reviewer, items[second["text"]].item_id, "supports").status_code == 200
    assert system.reviews.item(items[first["text"]].item_id).settlement.final == "contradicts"

    after = client.post("/v1/query", json={"question": question}, headers=bearer(system, Role.clinician)).json()
    assert first["text"] not in [s["text"] for s in after["sentences"]]
    assert after["faithfulness"]["removed"] == before["faithfulness"]["removed"] + 1
    kept = next(s for s in after["sentences"] if s["text"] == second["text"])
    record = next(x for x in after["citations"] if x["n"] == kept["citations"][0])["review"]
    assert record == {"reviewed": 2, "labels": {"supports": 2}, "withdrawn": False}


def test_two_reviewers_disagree_and_a_third_adjudicates(client: TestClient, system: System) -> None:
    ids = queue(system, "What harms can follow screening for peripheral artery disease?")
    a, b, c = (bearer(system, Role.reviewer, f"dispute {n}") for n in "abc")
    target = next(i for i in ids if system.reviews.item(i).needs == 2)
    assert judge(client, a, target, "supports").json()["status"] == "in_review"
    assert judge(client, a, target, "adjudicate-me").status_code == 422  # not a label
    assert judge(client, c, target, "supports", adjudicate=True).status_code == 409  # nothing disputed yet
    assert judge(client, b, target, "does_not_support").json()["status"] == "disputed"
    assert judge(client, a, target, "supports", adjudicate=True).status_code == 409  # party to the dispute
    nxt = client.get("/v1/review/next", params={"adjudicate": True}, headers=c)
    assert nxt.status_code == 200 and nxt.json()["status"] == "disputed"
    # Settled as "partially supports": a rejecting verdict would withdraw this sentence from the
    # answers that later tests (and the browser tests) read.
    settled = judge(client, c, target, "partially_supports", adjudicate=True).json()
    assert (settled["status"], settled["final"]) == ("settled", "partially_supports")
    assert [r["reviewer"] for r in settled["reviews"]] == [f"key:{k['Authorization'].split('_')[1]}" for k in (a, b, c)]


def test_the_queue_gives_flags_first_and_never_an_item_twice(client: TestClient, system: System) -> None:
    clinician, reviewer = bearer(system, Role.clinician), bearer(system, Role.reviewer, "queue")
    answer = client.post("/v1/query", json={"question": REVIEW_QUESTIONS[1]}, headers=clinician).json()
    sentence, citation = answer["sentences"][0], answer["citations"][0]
    flag = {"question": answer["question"], "sentence": sentence["text"], "chunk_id": citation["chunk_id"],
            "char_start": citation["char_start"], "char_end": citation["char_end"], "note": "dose looks off"}
    flagged = client.post("/v1/review/flags", json=flag, headers=clinician)
    assert flagged.status_code == 201 and flagged.json()["origin"] == "flag" and flagged.json()["risk"] >= 1
    first = client.get("/v1/review/next", headers=reviewer).json()
    assert first["item_id"] == flagged.json()["item_id"] and first["note"] == "dose looks off"
    assert first["quote"] == citation["quote"] and first["version_id"] == citation["version_id"]
    judge(client, reviewer, first["item_id"], "partially_supports")
    assert client.get("/v1/review/next", headers=reviewer).json()["item_id"] != first["item_id"]
    entries = system.audit.search(route="/v1/review/items/{item_id}/judgements", limit=1)
    assert entries[0]["touched"]["item"] == first["item_id"] and entries[0]["touched"]["label"] == "partially_supports"


def test_bad_input_is_refused_by_name_and_nothing_is_stored(client: TestClient, system: System) -> None:
    clinician, reviewer = bearer(system, Role.clinician), bearer(system, Role.reviewer, "refusals")
    [item, *_] = queue(system, REVIEW_QUESTIONS[0])
    count = system.graph.counts()["nodes"]["Review"]
    phi = judge(client, reviewer, item, "supports", comment="Mrs Smith, MRN 12345678, called 555-123-4567")
    assert phi.status_code == 422 and "names" in phi.json()["detail"] and "Smith" not in phi.text
    assert client.post("/v1/review/items/nope/judgements", json={"label": "supports"}, headers=reviewer).status_code == 404
    assert system.graph.counts()["nodes"]["Review"] == count
    known = system.reviews.item(item)
    flag = {"question": "q?", "sentence": "s", "chunk_id": known.chunk_id, "char_start": 0, "char_end": 10 ** 7}
    assert client.post("/v1/review/flags", json=flag, headers=clinician).status_code == 422
    assert client.post("/v1/review/flags", json={**flag, "chunk_id": "nowhere#c0000"}, headers=clinician).status_code == 404
    noted = {**flag, "char_start": known.char_start, "char_end": known.char_end, "note": "see jane@example.org"}
    refused = client.post("/v1/review/flags", json=noted, headers=clinician)
    assert refused.status_code == 422 and "email" in refused.json()["detail"] and "jane" not in refused.text
    assert system.graph.counts()["nodes"]["ReviewItem"] == len(system.reviews.items())
    assert "jane" not in system.settings.audit_path.read_text() and "Smith" not in system.settings.audit_path.read_text()


def test_passage_shows_the_span_inside_its_section(client: TestClient, system: System) -> None:
    item = system.reviews.item(queue(system, REVIEW_QUESTIONS[0])[0])
    span = {"start": item.char_start, "end": item.char_end}
    shown = client.get(f"/v1/passages/{quote(item.chunk_id, safe='')}", params=span,
                       headers=bearer(system, Role.clinician)).json()
    assert shown["quote"] == item.quote and shown["version_id"] == item.version_id and shown["current"]
    assert shown["section"] == system.graph.provenance([item.chunk_id])[item.chunk_id].section
    assert shown["before"] or shown["after"]


def test_attribution_counts_answers_and_reviews_per_guideline_and_developer(client: TestClient,
                                                                             system: System) -> None:
    reviewer = bearer(system, Role.reviewer, "attribution")
    answered = client.post("/v1/query", json={"question": REVIEW_QUESTIONS[2]}, headers=reviewer).json()
    [row] = client.get("/v1/attribution", headers=reviewer).json()
    assert row["key"] == "ngc-10008" and row["answers"] >= 1 and row["citations"] >= len(answered["citations"])
    assert row["judgements"] >= 1 and 0 <= row["approval_rate"] <= 1
    [by_developer] = client.get("/v1/attribution", params={"by": "developer"}, headers=reviewer).json()
    assert by_developer["key"].startswith("U.S. Preventive Services Task Force")
    assert client.get("/v1/attribution", params={"since": "2999-01-01"}, headers=reviewer).json() == []
    exported = client.get("/v1/attribution", params={"format": "csv"}, headers=reviewer)
    assert exported.headers["content-type"].startswith("text/csv") and "ngc-10008" in exported.text
    cli = run_ckg(system.settings.home, "review", "attribution", "--json")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)[0]["key"] == "ngc-10008"


def scripted_label(item: dict[str, Any], strict: bool) -> str:
    """Two scripted reviewers who read differently: how much of the question the quote covers."""
    question, quote = set(WORD.findall(item["question"].lower())), set(WORD.findall(item["quote"].lower()))
    overlap = len(question & quote) / max(1, len(question))
    high, low = (0.5, 0.25) if strict else (0.3, 0.1)
    return "supports" if overlap >= high else "partially_supports" if overlap >= low else "not_relevant"


def test_eval_review_over_items_judged_by_scripted_reviewers(client: TestClient, system: System,
                                                             tmp_path: Path) -> None:
    """Reviewer A judges everything, B the double-reviewed items with a stricter reading, C adjudicates."""
    report = tmp_path / "specialist.json"
    report.write_text(json.dumps({"suite": "scripted", "per_question": [{"question": q} for q in REVIEW_QUESTIONS]}))
    queued = run_ckg(system.settings.home, "review", "enqueue", "--from-eval", str(report),
                     env={"CKG_REVIEW__DOUBLE_SHARE": "0.5", "CKG_RETRIEVAL__ANSWER_WINDOW": "1.0",
                          "CKG_RETRIEVAL__ANSWER_SENTENCES": "4"})
    assert queued.returncode == 0, queued.stderr
    a, b, c = (bearer(system, Role.reviewer, f"scripted {n}") for n in "abc")
    for reviewer, strict in ((a, False), (b, True)):
        while (shown := client.get("/v1/review/next", headers=reviewer)).status_code == 200:
            item = shown.json()
            if strict and item["needs"] < 2:  # B reviews only what needs a second reviewer
                judge(client, reviewer, item["item_id"], scripted_label(item, strict=False))
                continue
            assert judge(client, reviewer, item["item_id"], scripted_label(item, strict)).status_code == 200
    while (shown := client.get("/v1/review/next", params={"adjudicate": True}, headers=c)).status_code == 200:
        judge(client, c, shown.json()["item_id"], "partially_supports", adjudicate=True)
    scripts = {f"key:{k['Authorization'].split('_')[1]}" for k in (a, b)}
    judged = [i for i in system.reviews.items() if scripts & {r["reviewer"] for r in i.reviews}]
    assert len(judged) >= 60 and "answered" in queued.stdout

    out = tmp_path / "review-report"
    result = run_ckg(system.settings.home, "eval", "review", "--scripted", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)["review"]
    assert metrics["items"] >= 60 and metrics["judged"] >= 60 and metrics["reviewers"] >= 3
    assert metrics["inter_reviewer"]["double_reviewed"] >= 10 and metrics["inter_reviewer"]["kappa"] is not None
    assert metrics["inter_reviewer"]["adjudicated"] >= 1 and metrics["inter_reviewer"]["disputed"] == 0
    assert metrics["verifier"]["agreement"] is not None and 0 < metrics["retrieval_relevance"] <= 1
    text = (out / "report.md").read_text()
    assert "scripted reviewers, not clinicians" in text and (out / "review-labels.png").stat().st_size > 1000
    exported = [json.loads(line) for line in (out / "adjudicated.jsonl").read_text().splitlines()]
    assert len(exported) == json.loads(result.stdout)["exported"] >= 60
    assert all(e["label"] and e["version_id"] and e["quote"] for e in exported)
    print(f"\neval review: {metrics['items']} items, {metrics['judgements']} judgements, inter-reviewer kappa "
          f"{metrics['inter_reviewer']['kappa']}, verifier agreement {metrics['verifier']['agreement']}")


def test_the_sign_in_cookie_works_only_from_this_sites_pages(system: System) -> None:
    """The web sign-in keeps the credential in an HTTP-only, SameSite=Strict cookie; a change made
    with it must carry this site's Origin; a bad credential or a foreign `next` goes nowhere."""
    key, _ = system.authenticator.keys.create("cookie", Role.clinician)
    with TestClient(create_app(system.settings, system), base_url="https://ward.example") as browser:
        refused = browser.post("/signin", data={"credential": "ckg_000000000000_" + "x" * 43})
        assert refused.status_code == 401 and "not valid" in refused.text
        assert "ckg_session" not in refused.headers.get("set-cookie", "")
        signed = browser.post("/signin", data={"credential": key, "next": "//evil.example/"}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/ask"
        cookie = signed.headers["set-cookie"].lower()
        assert all(p in cookie for p in ("httponly", "samesite=strict", "secure", "max-age=28800"))
        assert browser.get("/v1/history").status_code == 200  # the cookie alone authenticates reads
        item = system.reviews.item(queue(system, REVIEW_QUESTIONS[0])[0])
        flag = {"question": "q?", "sentence": item.sentence, "chunk_id": item.chunk_id,
                "char_start": item.char_start, "char_end": item.char_end}
        assert browser.post("/v1/review/flags", json=flag).status_code == 403  # no Origin
        assert browser.post("/v1/review/flags", json=flag, headers={"Origin": "https://evil.example"}).status_code == 403
        assert browser.post("/v1/review/flags", json=flag, headers={"Origin": "https://ward.example"}).status_code == 201
        assert browser.post("/signout", follow_redirects=False).status_code == 303
        assert browser.get("/ask", follow_redirects=False).headers["location"] == "/signin?next=/ask"
