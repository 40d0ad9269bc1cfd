"""The query API and the `ckg` command line on the zero-setup default (embedded ArcadeDB)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ckg.locks import exclusive
from ckg.settings import Settings
from graph.servers import ArcadeDBServer
from graph.store import BoltGraphStore
from runtime.system import System

from ..conftest import FEDERAL, REPO
from .api_support import CKG, run_ckg


def test_embedded_server_starts_on_demand_and_status_reports_counts(ingested: Path) -> None:
    info = ArcadeDBServer(ingested / "graph").running()
    assert info is not None
    status = json.loads(run_ckg(ingested, "status", "--json").stdout)
    assert "ArcadeDB" in status["graph"]["engine"]
    assert status["graph"]["nodes"]["Guideline"] == 1
    assert status["graph"]["nodes"]["Chunk"] == status["index"]["vectors"] > 50
    assert status["index"]["model"] == "all-MiniLM-L6-v2+onnx-int8" and status["index"]["dimension"] == 384
    assert status["consistent"] is True


def test_ask_json_has_the_documented_shape(ingested: Path) -> None:
    result = run_ckg(ingested, "ask", "Should adults be screened for peripheral artery disease with the ankle-brachial index?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"answer", "abstained", "sentences", "citations", "faithfulness", "timings_ms"}
    assert set(answer["citations"][0]) >= {"n", "chunk_id", "guideline_id", "version_id", "title", "section",
                                            "char_start", "char_end", "quote"}
    assert answer["citations"][0]["guideline_id"] == "ngc-10008"
    assert answer["faithfulness"]["verdict"] == "supported"


def test_cli_bad_input_exits_nonzero_naming_file_and_problem(ingested: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.html"
    junk.write_bytes(os.urandom(4096))
    result = run_ckg(ingested, "ingest", "guidelines", str(junk))
    assert result.returncode == 2
    assert str(junk) in result.stderr and ("binary data" in result.stderr or "not valid utf-8" in result.stderr)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_ckg(ingested, "ingest", "guidelines", str(empty))
    assert result.returncode == 2 and "holds no documents" in result.stderr


def test_a_second_ingest_is_turned_away_while_questions_are_answered(ingested: Path) -> None:
    with exclusive(ingested / "writer.lock", wait=False, what="the test's writer"):
        busy = run_ckg(ingested, "ingest", "guidelines", str(FEDERAL / "ngc-10510.html"))
        assert busy.returncode == 4
        assert f"in use by another process (pid {os.getpid()})" in busy.stderr
        asked = run_ckg(ingested, "ask", "Should adults be screened for peripheral artery disease?", "--json")
        assert asked.returncode == 0 and not json.loads(asked.stdout)["abstained"]


def test_eval_commands_are_registered_through_the_entry_point() -> None:
    result = subprocess.run([*CKG, "eval", "--help"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0 and "abstention" in result.stdout and "retrieval" in result.stdout


def test_unreachable_graph_is_a_clear_error(tmp_path: Path) -> None:
    result = run_ckg(tmp_path, "status", env={"CKG_GRAPH__URI": "bolt://127.0.0.1:9", "CKG_GRAPH__CONNECT_TIMEOUT_S": "2"})
    assert result.returncode == 3
    assert "bolt://127.0.0.1:9 is unreachable" in result.stderr


@pytest.fixture(scope="module")
def client(ingested: Path) -> Iterator[TestClient]:
    info = ArcadeDBServer(ingested / "graph").running()
    assert info is not None
    settings = Settings(home=ingested, graph={"uri": info.uri, "user": info.user, "password": info.password,  # type: ignore[arg-type]
                                              "database": info.database})
    created = run_ckg(ingested, "keys", "create", "--name", "api tests", "--role", "clinician", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["key"]
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {key}"}) as test_client:
        yield test_client


def test_query_endpoint_answers_with_citations(client: TestClient) -> None:
    response = client.post("/v1/query", json={"question": "Should adults be screened for peripheral artery disease with the ankle-brachial index?"})
    assert response.status_code == 200
    body = response.json()
    assert not body["abstained"] and body["citations"][0]["guideline_id"] == "ngc-10008"
    assert body["faithfulness"]["supported"] == body["faithfulness"]["total"] > 0


@pytest.mark.parametrize("payload", [{"question": ""}, {}, {"question": "x" * 2001}, {"question": "ok", "top_k": 0}])
def test_invalid_query_is_a_4xx(client: TestClient, payload: dict[str, object]) -> None:
    assert client.post("/v1/query", json=payload).status_code == 422


def test_blank_question_is_refused_by_the_system(client: TestClient) -> None:
    response = client.post("/v1/query", json={"question": "   "})
    assert response.status_code == 422 and response.json()["error"] == "InputError"


def test_healthz_and_openapi(client: TestClient) -> None:
    health = client.get("/v1/healthz")
    assert health.status_code == 200 and health.json()["consistent"] is True
    spec = client.get("/openapi.json").json()
    assert {"/v1/query", "/v1/healthz"} <= set(spec["paths"])
    assert spec["paths"]["/v1/query"]["post"]["summary"]


def test_healthz_is_503_when_the_graph_is_gone(client: TestClient) -> None:
    system: System = client.app.state.system  # type: ignore[attr-defined]
    live = system.graph
    system.graph = system.retriever.graph = BoltGraphStore("bolt://127.0.0.1:9", "x", "y", connect_timeout_s=1)
    try:
        health = client.get("/v1/healthz")
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        assert client.post("/v1/query", json={"question": "Screen for PAD?"}).status_code == 503
    finally:
        system.graph.close()
        system.graph = system.retriever.graph = live


def test_server_stop_by_pid(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path, ignore_errors=True)
    server = ArcadeDBServer(tmp_path / "graph")
    info = server.start()
    assert server.running() == info
    assert server.stop() is True
    assert server.running() is None


def test_embedded_server_restarts_on_the_same_data(tmp_path: Path) -> None:
    """The database keeps the credentials it was created with: a restart must reuse them."""
    server = ArcadeDBServer(tmp_path / "graph")
    first = server.start()
    server.stop()
    second = server.start()
    try:
        store = BoltGraphStore(second.uri, second.user, second.password, database=second.database)
        store.ping()
        store.close()
        assert second.password == first.password
    finally:
        server.stop()
