"""Shared fixtures. Services are real: a failure to start one fails the tests, never skips them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ckg.settings import Settings
from graph.servers import ArcadeDBServer, ManagedServer, Neo4jServer, ServerInfo
from graph.store import BoltGraphStore
from retrieval.embeddings import Embedder, SentenceTransformerEmbedder

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
FEDERAL = SHARED_DATA / "guidelines" / "ngc-federal"
DEV = SHARED_DATA / "guidelines" / "ngc-dev"
PUBMEDQA = SHARED_DATA / "pubmedqa"
DEMO = REPO / "demo"
ENGINES = ["arcadedb", "neo4j"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not FEDERAL.is_dir():
        pytest.fail(f"the shared data set is missing: expected {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2")


def _server(engine: str, root: Path) -> ManagedServer:
    return ArcadeDBServer(root) if engine == "arcadedb" else Neo4jServer(root)


@pytest.fixture(scope="session", params=ENGINES)
def graph_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """Each engine started once per session on loopback, stopped by PID at the end."""
    server = _server(request.param, tmp_path_factory.mktemp(request.param))
    info = server.start(timeout_s=180)
    yield info
    server.stop()


@pytest.fixture()
def graph(graph_server: ServerInfo) -> Iterator[BoltGraphStore]:
    store = BoltGraphStore(graph_server.uri, graph_server.user, graph_server.password,
                           database=graph_server.database)
    store.ensure_schema()
    store.delete_everything()
    yield store
    store.close()


def settings_at(info: ServerInfo, home: Path, **overrides: object) -> Settings:
    """Settings pointing at a running graph server, with state under ``home``."""
    graph = {"uri": info.uri, "user": info.user, "password": info.password, "database": info.database}
    return Settings(home=home, graph=graph, **overrides)  # type: ignore[arg-type]


@pytest.fixture()
def settings_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings pointing at a given running server, with state isolated under tmp_path."""

    def make(info: ServerInfo, **overrides: object) -> Settings:
        return settings_at(info, tmp_path / "home", **overrides)

    return make
