"""Guideline updates as a knowledge engineer makes them, on real guidelines edited the way real
updates look, on both engines: the diff names exactly what changed, only changed chunks are
embedded, withdrawn and superseded guidelines are never cited again, answers as of a past date
come from the old text, and the answers that cited changed passages are listed as stale."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from access.roles import Role
from api.app import create_app
from api.routes.query import touched_by
from ckg.dates import as_of_instant
from graph.servers import ServerInfo
from ingest.pipeline import IngestReport, parse_files
from runtime.system import ANSWER_ROUTES, System

from ..conftest import DEV, settings_at
from .api_support import bearer, run_ckg

HAEMOPHILIA = "ngc-9851"  # inhibitors in haemophilia, graded 1A-2C: regraded, a dose interval changed, sections
HOME_MODS = "ngc-10523"  # occupational therapy home modifications: withdrawn
VS_IMAGING = "ngc-11354"  # imaging of vestibular schwannoma: superseded by its (made-up) 2021 update
VS_RADIATION = "ngc-11356"  # radiosurgery for vestibular schwannoma: superseded by hand
VS_UPDATE = "ngc-91354"  # a 2021 update of VS_IMAGING whose status field names it as the previous version
SLICE = [HAEMOPHILIA, HOME_MODS, VS_IMAGING, VS_RADIATION]

INTERVAL_Q = "How often should an inhibitor test be done in severe haemophilia A before the 20th exposure day?"
HOME_Q = "Do home modifications that include occupational therapy prevent falls?"
VS_Q = "What imaging should be used to diagnose a vestibular schwannoma?"
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

EDITS = [  # (old, new): one grade, one testing interval and one dose changed; one section removed, one added
    ("closely monitored for inhibitor formation (<strong>1B</strong>)",
     "closely monitored for inhibitor formation (<strong>2B</strong>)"),
    ("every third ED or every 3 months until the 20th ED", "every third ED or every 6 months until the 20th ED"),
    ("ITI should be started at a dose of 50 iu/kg on alternate days", "ITI should be started at a dose of 25 iu/kg on "
     "alternate days"),
    ('<h3>Cost Analysis</h3>\n<div class="content_para"><p>A formal cost analysis was not performed and published '
     "cost analyses were not reviewed.</p></div>\n", ""),
    ("<h3>Method of Guideline Validation</h3>",
     '<h3>Local Audit Standards</h3>\n<div class="content_para"><p>Each haemophilia centre should audit its '
     "inhibitor testing intervals against this guideline every year.</p></div>\n<h3>Method of Guideline Validation</h3>"),
]


def _sidecar_rows(ids: list[str]) -> dict[str, dict[str, str]]:
    rows = [json.loads(line) for line in (DEV / "index.jsonl").read_text().splitlines()]
    return {r["id"]: r for r in rows if r["id"] in ids}


def _folder(folder: Path, files: dict[str, str], rows: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True)
    for name, html in files.items():
        (folder / name).write_text(html, encoding="utf-8")
    (folder / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The four guidelines as released, and an update batch: the edited haemophilia guideline and a
    2021 update of the vestibular schwannoma imaging guideline under a new id."""
    root = tmp_path_factory.mktemp("updates")
    rows = _sidecar_rows(SLICE)
    first = _folder(root / "v1", {f"{g}.html": (DEV / f"{g}.html").read_text(encoding="utf-8") for g in SLICE},
                    [rows[g] for g in SLICE])
    html = (DEV / f"{HAEMOPHILIA}.html").read_text(encoding="utf-8")
    for old, new in EDITS:
        assert html.count(old) == 1, old
        html = html.replace(old, new)
    vs = (DEV / f"{VS_IMAGING}.html").read_text(encoding="utf-8")
    update = {**rows[VS_IMAGING], "id": VS_UPDATE, "file": f"{VS_UPDATE}.html", "released": "2021 Mar",
              "status": "This is the current release of the guideline. This guideline updates a previous version: "
              f"Dunn IF, Bi WL. {rows[VS_IMAGING]['title']} Neurosurgery. 2018 Feb 1;82(2):E32-4."}
    second = _folder(root / "v2", {f"{HAEMOPHILIA}.html": html, f"{VS_UPDATE}.html": vs.replace(
        "vestibular schwannoma", "vestibular schwannoma (acoustic neuroma)", 1)},
        [rows[HAEMOPHILIA], update])
    return first, second


@dataclass
class Updated:
    system: System
    client: TestClient
    first: IngestReport
    update: IngestReport
    before: dict[str, list[str]]  # question -> versions its answer cited before the update
    first_folder: Path
    server: System  # another process's view (a running `ckg serve`), opened before the update


def _log_answer(system: System, question: str) -> list[str]:
    """Answer as the API does and write the answer log entry the audit middleware writes."""
    answer = system.ask(question)
    system.audit.append({"actor": "key:tests", "role": "clinician", "method": "POST", "route": ANSWER_ROUTES[0],
                         "status": 200, "outcome": "allowed", "touched": touched_by(answer, None)})
    return sorted({c.version_id for c in answer.citations})


@pytest.fixture(scope="module")
def updated(graph_server: ServerInfo, corpora: tuple[Path, Path],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Updated]:
    system = System.open(settings_at(graph_server, tmp_path_factory.mktemp("home")))
    system.graph.delete_everything()
    system.index.remove(list(system.index.chunk_ids()))
    try:
        first = system.ingest(parse_files([corpora[0]], system.settings.ingest))
        before = {q: _log_answer(system, q) for q in (INTERVAL_Q, HOME_Q, VS_Q)}
        server = System.open(system.settings)
        update = system.ingest(parse_files([corpora[1]], system.settings.ingest))
        with TestClient(create_app(system.settings, system)) as client:
            yield Updated(system, client, first, update, before, corpora[0], server)
        server.close()
    finally:
        system.close()


def test_the_diff_names_exactly_the_changes(updated: Updated) -> None:
    assert updated.first.added == 4 and updated.update.updated == 1 and updated.update.added == 1
    (change,) = updated.update.changes
    sections = {(s.change, s.path) for s in change.sections}
    assert sections == {("removed", "Methodology > Cost Analysis"), ("added", "Methodology > Local Audit Standards"),
                        ("changed", "Recommendations > Major Recommendations")}
    regraded = [(r.old_grade, r.new_grade) for r in change.recommendations if r.change == "grade changed"]
    reworded = [(r.old_text or "", r.text) for r in change.recommendations if r.change == "changed"]
    assert regraded == [("1B", "2B")] and len(reworded) == len(change.recommendations) - 1 == 2
    assert any("every 3 months" in old and "every 6 months" in new for old, new in reworded)
    assert any("50 iu/kg" in old and "25 iu/kg" in new for old, new in reworded)
    # The same diff, later, over the API.
    body = updated.client.get(f"/v1/guidelines/{HAEMOPHILIA}/diff", headers=bearer(updated.system, Role.clinician))
    assert body.status_code == 200 and body.json()["summary"] == change.summary()


def test_only_the_changed_chunks_are_embedded(updated: Updated) -> None:
    (change,) = updated.update.changes
    new_guideline_chunks = len(updated.system.graph.chunks_of_versions(
        [updated.system.graph.guideline_state(VS_UPDATE).current_version]))  # type: ignore[union-attr]
    assert change.chunks_added >= 2 and change.chunks_unchanged > 10 * change.chunks_added
    assert updated.update.vectors_embedded == change.chunks_added + new_guideline_chunks
    assert updated.update.vectors_reused == change.chunks_unchanged


def test_a_running_server_picks_up_the_new_snapshot_without_restart(updated: Updated) -> None:
    assert updated.server.index.snapshot != updated.system.index.snapshot  # opened before the update
    answer = updated.server.ask(INTERVAL_Q)
    assert updated.server.index.snapshot == updated.system.index.snapshot
    assert "every 6 months" in answer.sentences[0].text
    with TestClient(create_app(system=updated.server)) as replica:  # the generation it serves, for operators
        assert replica.get("/v1/healthz").json()["index_snapshot"] == updated.system.index.snapshot


def test_versions_carry_their_validity(updated: Updated) -> None:
    history = updated.client.get(f"/v1/guidelines/{HAEMOPHILIA}/history",
                                 headers=bearer(updated.system, Role.clinician)).json()
    old, new = history["versions"]
    assert old["valid_from"].startswith("2013-01-01") and old["valid_to"] == new["valid_from"]
    assert new["current"] and not old["current"] and old["replaced_by"] == new["version_id"]


def test_an_answer_as_of_a_past_date_comes_from_the_old_text(updated: Updated) -> None:
    now = updated.system.ask(INTERVAL_Q)
    then = updated.system.ask(INTERVAL_Q, as_of=YESTERDAY)
    assert "every 6 months" in now.sentences[0].text and "every 3 months" in then.sentences[0].text
    assert {c.version_id for c in then.citations if c.guideline_id == HAEMOPHILIA} == set(
        v for v in updated.before[INTERVAL_Q] if v.startswith(HAEMOPHILIA))
    assert then.as_of == as_of_instant(YESTERDAY)  # the end of that day


def test_supersession_read_from_metadata_retires_the_old_guideline(updated: Updated) -> None:
    assert updated.update.superseded == [{"guideline_id": VS_IMAGING, "by": VS_UPDATE}]
    answer = updated.system.ask(VS_Q)
    assert not answer.abstained, (answer.abstain_reason, answer.answerable)
    assert VS_IMAGING not in {c.guideline_id for c in answer.citations}
    state = updated.system.graph.guideline_state(VS_IMAGING)
    assert state is not None and state.retired == "superseded" and state.superseded_by == VS_UPDATE


def test_withdrawn_and_superseded_guidelines_are_never_cited_again(updated: Updated) -> None:
    system, client = updated.system, updated.client
    curator, clinician = bearer(system, Role.curator), bearer(system, Role.clinician)
    withdraw = f"/v1/guidelines/{HOME_MODS}/withdraw"
    assert client.post(withdraw, json={"reason": "replaced by local policy"}, headers=clinician).status_code == 403
    done = client.post(withdraw, json={"reason": "replaced by local policy"}, headers=curator)
    assert done.status_code == 200 and done.json()["actor"].startswith("key:")
    assert client.post(withdraw, json={"reason": "again"}, headers=curator).status_code == 409
    refused = client.post(f"/v1/guidelines/{VS_RADIATION}/supersede", json={"by": VS_IMAGING}, headers=curator)
    assert refused.status_code == 409 and "superseded" in refused.json()["detail"]
    assert client.post(f"/v1/guidelines/{VS_RADIATION}/supersede", json={"by": VS_UPDATE},
                       headers=curator).status_code == 200
    retired = {HOME_MODS, VS_IMAGING, VS_RADIATION}
    for question in (HOME_Q, VS_Q, "Is radiosurgery recommended for vestibular schwannoma?"):
        assert not retired & {c.guideline_id for c in system.ask(question).citations}, question
    assert system.index.chunk_ids() == system.graph.current_chunk_ids()
    # Their files ingested again do not bring them back; as of yesterday they were still current.
    files = [updated.first_folder / f"{g}.html" for g in sorted(retired)]
    again = system.ingest(parse_files(files, system.settings.ingest))
    assert again.retired_skipped == sorted(retired) and again.added == again.updated == 0
    then = system.ask(HOME_Q, as_of=YESTERDAY)
    assert HOME_MODS in {c.guideline_id for c in then.citations}
    history = client.get(f"/v1/guidelines/{HOME_MODS}/history", headers=clinician).json()
    assert history["retired"] == "withdrawn" and history["retired_reason"] == "replaced by local policy"
    assert history["current_version"] is None and history["versions"][0]["valid_to"] == done.json()["at"]


def test_answers_citing_changed_passages_are_stale(updated: Updated) -> None:
    stale = {s.question: s for s in updated.system.stale_answers()}
    interval = stale[INTERVAL_Q].citations
    assert {c.why for c in interval} == {"changed"}
    lines = [line for c in interval for line in c.changes]
    assert any(line.startswith("-") and "every 3 months" in line for line in lines)
    assert any(line.startswith("+") and "every 6 months" in line for line in lines)
    assert {c.why for c in stale[VS_Q].citations} == {"superseded"}
    listed = updated.client.get("/v1/answers/stale", headers=bearer(updated.system, Role.curator))
    assert listed.status_code == 200 and INTERVAL_Q in {a["question"] for a in listed.json()}
    queued = updated.system.review_stale([stale[INTERVAL_Q]])
    items = [i for i in updated.system.reviews.items() if i.origin == "stale"]
    assert queued == len(items) > 0 and all("changed in version" in (i.note or "") for i in items)


def test_the_command_line_prints_the_diff(updated: Updated, graph_server: ServerInfo) -> None:
    env = {"CKG_GRAPH__URI": graph_server.uri, "CKG_GRAPH__USER": graph_server.user,
           "CKG_GRAPH__PASSWORD": graph_server.password}
    if graph_server.database:
        env["CKG_GRAPH__DATABASE"] = graph_server.database
    result = run_ckg(updated.system.settings.home, "guidelines", "diff", HAEMOPHILIA, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"] == updated.update.changes[0].summary()
