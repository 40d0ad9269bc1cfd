"""The graph store contract on both engines (Neo4j 5.26 and embedded ArcadeDB) over Bolt, plus
what only the Bolt implementation promises: one transaction per document, unique ids."""

from __future__ import annotations

import pytest
from neo4j.exceptions import Neo4jError

from graph import cypher
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
