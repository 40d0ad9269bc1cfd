"""The graph store contract on both engines (Neo4j 5.26 and embedded ArcadeDB) over Bolt, plus
what only the Bolt implementation promises: one transaction per document, unique ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j.exceptions import Neo4jError

from graph import cypher
from graph.servers import ServerInfo
from graph.store import BoltGraphStore

from ..contracts.graph_store import GraphStoreContract, make_doc, make_write


class TestBoltGraphStore(GraphStoreContract):
    @pytest.fixture()
    def store(self, graph: BoltGraphStore) -> BoltGraphStore:
        return graph

    def test_failed_write_leaves_nothing(self, store: BoltGraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
        """The chunk statement fails after the guideline and version were merged: all must roll back."""
        monkeypatch.setattr(cypher, "MERGE_CHUNKS", "UNWIND $chunks AS c MERGE (n:Chunk {chunk_id: c.chunk_id}) "
                            "WITH n RETURN 1 / 0 AS boom")
        with pytest.raises(Neo4jError):
            store.write_version(make_write(make_doc()))
        counts = store.counts()
        assert counts["relationships"] == 0 and all(n == 0 for n in counts["nodes"].values())

    def test_unique_constraint_is_enforced(self, store: BoltGraphStore) -> None:
        write = make_write(make_doc())
        store.write_version(write)
        with pytest.raises(Neo4jError):
            store._write(lambda tx: tx.run("CREATE (:Chunk {chunk_id: $id})", id=write.chunks[0].chunk_id).consume())


WRITE_CLAUSE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE)\b")


class _Recording:
    """The driver as the store sees it, noting each statement and the access mode it ran in."""

    def __init__(self, real: Any, calls: list[tuple[str, str]], mode: str = "") -> None:
        self._real, self._calls, self._mode = real, calls, mode

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> _Recording:
        self._real.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.__exit__(*exc)

    def execute_query(self, query: str, parameters: Any = None, routing_: Any = "w", **kw: Any) -> Any:
        self._calls.append((getattr(routing_, "value", routing_), query))
        return self._real.execute_query(query, parameters, routing_=routing_, **kw)

    def session(self, **kw: Any) -> _Recording:
        return _Recording(self._real.session(**kw), self._calls)

    def execute_write(self, work: Any, *args: Any) -> Any:
        return self._real.execute_write(lambda tx, *a: work(_Recording(tx, self._calls, "w"), *a), *args)

    def execute_read(self, work: Any, *args: Any) -> Any:
        return self._real.execute_read(lambda tx, *a: work(_Recording(tx, self._calls, "r"), *a), *args)

    def run(self, query: str, *args: Any, **kw: Any) -> Any:
        self._calls.append((self._mode, query))
        return self._real.run(query, *args, **kw)


class TestAccessModes(GraphStoreContract):
    """The whole contract again, through a routing URI on Neo4j (``neo4j://``: in a cluster the driver
    sends read transactions to secondaries), recording each statement's access mode: no statement
    that writes may run in a read transaction, and every read runs in one. ArcadeDB has no routing;
    its access modes are checked over ``bolt://``."""

    @pytest.fixture()
    def store(self, graph: BoltGraphStore, graph_server: ServerInfo) -> Iterator[BoltGraphStore]:
        uri = graph.uri.replace("bolt://", "neo4j://") if graph_server.engine == "neo4j" else graph.uri
        routed = BoltGraphStore(uri, graph_server.user, graph_server.password, database=graph_server.database)
        calls: list[tuple[str, str]] = []
        routed._driver = _Recording(routed._driver, calls)  # type: ignore[assignment]
        yield routed
        routed.close()
        reads_that_write = [q for mode, q in calls if mode == "r" and WRITE_CLAUSE.search(q)]
        writes_not_in_write_mode = [q for mode, q in calls if WRITE_CLAUSE.search(q) and mode != "w"]
        reads_not_in_read_mode = [q for mode, q in calls if not WRITE_CLAUSE.search(q) and mode != "r"
                                  and not q.lstrip().startswith("CREATE CONSTRAINT")]
        assert not reads_that_write and not writes_not_in_write_mode, (reads_that_write, writes_not_in_write_mode)
        assert not reads_not_in_read_mode, reads_not_in_read_mode

    def test_the_recording_sees_every_statement_and_its_mode(self, store: BoltGraphStore) -> None:
        store.write_version(make_write(make_doc()))
        store.counts()
        modes = {mode for mode, _ in store._driver._calls}  # type: ignore[attr-defined]
        assert modes == {"r", "w"}
