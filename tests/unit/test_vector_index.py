from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ckg.errors import VectorIndexError
from retrieval.sentence_vectors import ChunkSentences
from retrieval.vector_index import IndexedChunk, VectorIndex


def unit_vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_add_search_save_reopen(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    vectors = unit_vectors(5)
    index.add([IndexedChunk(f"c{i}", f"text {i}") for i in range(5)], vectors)
    assert index.search(vectors[3], 1)[0][0] == "c3"
    index.save()
    reopened = VectorIndex.open(tmp_path, "m", 8)
    assert reopened.count == 5 and reopened.chunk_ids() == {f"c{i}" for i in range(5)}
    assert reopened.search(vectors[3], 1)[0][0] == "c3"


def test_remove_and_readd_keeps_ids_consistent(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    vectors = unit_vectors(4)
    index.add([IndexedChunk(f"c{i}", "") for i in range(4)], vectors)
    assert index.remove(["c1", "c9"]) == 1
    index.add([IndexedChunk("c2", "new")], vectors[1:2])  # re-adding replaces
    assert index.count == 3
    assert index.search(vectors[1], 1)[0][0] == "c2"
    index.save()
    assert VectorIndex.open(tmp_path, "m", 8).chunk_ids() == {"c0", "c2", "c3"}


def test_save_replaces_snapshot_atomically(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    index.add([IndexedChunk("a", "")], unit_vectors(1))
    index.save()
    first = index.snapshot
    index.add([IndexedChunk("b", "")], unit_vectors(1, seed=1))
    index.save()
    snapshots = sorted(p.name for p in (tmp_path / "snapshots").iterdir())
    assert snapshots == [index.snapshot] and index.snapshot != first
    assert (tmp_path / "CURRENT").read_text() == index.snapshot


def test_corrupt_file_is_detected(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    index.add([IndexedChunk("a", "")], unit_vectors(1))
    index.save()
    chunks = tmp_path / "snapshots" / str(index.snapshot) / "chunks.jsonl"
    chunks.write_text(chunks.read_text().replace('"a"', '"z"'))
    with pytest.raises(VectorIndexError, match="checksum"):
        VectorIndex.open(tmp_path, "m", 8)


def test_model_mismatch_is_refused(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "model-a", 8)
    index.save()
    with pytest.raises(VectorIndexError, match="model-a"):
        VectorIndex.open(tmp_path, "model-b", 8)


def test_sentence_vectors_are_saved_with_their_chunks_and_leave_with_them(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    chunk_vectors, sentence_vectors = unit_vectors(2), unit_vectors(3, seed=1)
    index.add([IndexedChunk("v1#c0", "a"), IndexedChunk("v1#c1", "b")], chunk_vectors,
              [ChunkSentences([(0, 15), (16, 32)], ["First sentence.", "Second sentence."], sentence_vectors[:2]),
               ChunkSentences([], ["Third."], sentence_vectors[2:])])
    assert index.quotable_spans("v1#c0") == [(0, 15), (16, 32)] and index.quotable_spans("v1#c1") == []
    assert index.quotable_spans("v9#c0") is None
    found = index.sentences.lookup(["Second sentence.", "Never stored.", "Third."])
    assert set(found) == {"Second sentence.", "Third."}
    assert np.array_equal(found["Third."], sentence_vectors[2])
    index.add([IndexedChunk("v1#c2", "c")], chunk_vectors[:1], [ChunkSentences([], ["Third."], sentence_vectors[2:])])
    assert len(index.sentences.distinct_vectors()) == 3  # "Third." stored with two chunks counts once
    index.remove(["v1#c0"])
    index.save()
    reopened = VectorIndex.open(tmp_path, "m", 8)
    assert set(reopened.sentences.lookup(["First sentence.", "Second sentence.", "Third."])) == {"Third."}
    assert reopened.quotable_spans("v1#c0") is None and reopened.quotable_spans("v1#c1") == []
    assert np.array_equal(reopened.sentences.lookup(["Third."])["Third."], sentence_vectors[2])
    with pytest.raises(ValueError, match="sentences of 2 chunks"):
        index.add([IndexedChunk("v2#c0", "a"), IndexedChunk("v2#c1", "b")], chunk_vectors,
                  [ChunkSentences([(0, 1)], ["x"], unit_vectors(1))])


def test_a_snapshot_without_sentence_vectors_opens_with_none(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    index.add([IndexedChunk("c0", "a")], unit_vectors(1))
    index.save()
    snapshot = tmp_path / "snapshots" / index.snapshot  # type: ignore[operator]
    for name in ("sentences.npy", "sentence_keys.npy", "sentence_owners.npy", "sentence_spans.npy"):
        (snapshot / name).unlink()
    manifest = snapshot / "manifest.json"
    data = json.loads(manifest.read_text())
    data["sha256"] = {k: v for k, v in data["sha256"].items() if not k.startswith("sentence")}
    manifest.write_text(json.dumps(data))
    reopened = VectorIndex.open(tmp_path, "m", 8)
    assert len(reopened.sentences) == 0 and reopened.sentences.lookup(["a"]) == {}


def test_bm25_is_saved_with_the_snapshot_and_follows_changes(tmp_path: Path) -> None:
    texts = ["aspirin after ischaemic stroke", "statins for adults with diabetes", "blood pressure targets"]
    index = VectorIndex(tmp_path, "m", 8)
    index.add([IndexedChunk(f"c{i}", t) for i, t in enumerate(texts)], unit_vectors(3))
    built = index.lexical().search("aspirin stroke", 3)
    index.save()
    assert (tmp_path / "snapshots" / str(index.snapshot) / "lexical").is_dir()
    reopened = VectorIndex.open(tmp_path, "m", 8)
    assert reopened.lexical().search("aspirin stroke", 3) == built and built[0][0] == "c0"
    # The saved BM25 is covered by the checksums like every other file of the snapshot.
    manifest = json.loads((tmp_path / "snapshots" / str(index.snapshot) / "manifest.json").read_text())
    assert any(name.startswith("lexical/") for name in manifest["sha256"])
    reopened.remove(["c0"])
    assert reopened.lexical().search("aspirin stroke", 3) == []


def test_chunks_of_stop_words_alone_are_searched_as_none(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    index.add([IndexedChunk("a", "the of and")], unit_vectors(1))
    assert index.lexical().empty and index.lexical().search("the", 3) == []
    index.save()
    assert VectorIndex.open(tmp_path, "m", 8).lexical().empty


def test_above_the_exact_size_a_save_switches_to_hnsw_and_back_below_it(tmp_path: Path) -> None:
    vectors = unit_vectors(300, dim=16, seed=3)
    index = VectorIndex(tmp_path, "m", 16, exact_up_to=200)
    index.add([IndexedChunk(f"c{i}", "") for i in range(300)], vectors)
    assert index.structure == "flat"  # chosen at save, not per add
    index.save()
    manifest = json.loads((tmp_path / "snapshots" / str(index.snapshot) / "manifest.json").read_text())
    assert index.structure == manifest["structure"] == "hnsw32"
    reopened = VectorIndex.open(tmp_path, "m", 16, exact_up_to=200)
    assert reopened.structure == "hnsw32" and reopened.count == 300
    assert [reopened.search(v, 1)[0][0] for v in vectors[:50]] == [f"c{i}" for i in range(50)]
    reopened.remove([f"c{i}" for i in range(150)])
    reopened.save()
    assert reopened.structure == "flat" and VectorIndex.open(tmp_path, "m", 16).structure == "flat"
    assert reopened.search(vectors[0], 1)[0][0] != "c0" and reopened.search(vectors[200], 1)[0][0] == "c200"


def test_hnsw_leaves_removed_chunks_out_of_search_until_a_rebuild(tmp_path: Path) -> None:
    vectors = unit_vectors(300, dim=16, seed=4)
    index = VectorIndex(tmp_path, "m", 16, exact_up_to=100)
    index.add([IndexedChunk(f"c{i}", "") for i in range(300)], vectors)
    index.save()
    index.remove(["c0", "c1", "c2"])  # 1% of those stored: kept in the graph, searched around
    assert "c0" not in {c for c, _ in index.search(vectors[0], 10)} and index.count == 297
    index.save()
    snapshot = tmp_path / "snapshots" / str(index.snapshot)
    assert (snapshot / "removed.npy").exists()
    reopened = VectorIndex.open(tmp_path, "m", 16, exact_up_to=100)
    assert reopened.count == 297 and "c1" not in {c for c, _ in reopened.search(vectors[1], 10)}
    assert reopened.chunk_ids() == {f"c{i}" for i in range(3, 300)}
    reopened.remove([f"c{i}" for i in range(3, 60)])  # past a tenth: the next save rebuilds the graph
    reopened.save()
    assert not (tmp_path / "snapshots" / str(reopened.snapshot) / "removed.npy").exists()
    rebuilt = VectorIndex.open(tmp_path, "m", 16, exact_up_to=100)
    assert rebuilt.count == 240 and rebuilt.search(vectors[100], 1)[0][0] == "c100"
    ids, matrix = rebuilt.matrix()
    assert len(ids) == 240 and np.allclose(matrix[ids.index("c100")], vectors[100], atol=1e-6)


def test_a_versions_abbreviations_are_saved_and_leave_with_its_chunks(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "m", 8)
    index.add([IndexedChunk("g1@a#c0000", "t"), IndexedChunk("g2@b#c0000", "u")], unit_vectors(2))
    index.define("g1@a", {"ABI": "ankle-brachial index"})
    index.define("g2@b", {})
    index.save()
    reopened = VectorIndex.open(tmp_path, "m", 8)
    assert reopened.definitions("g1@a") == {"ABI": "ankle-brachial index"} and reopened.definitions("g2@b") == {}
    assert reopened.definitions("g3@c") is None  # never stored: the gate reads the retrieved passages
    reopened.remove_version("g1@a")
    reopened.save()
    assert VectorIndex.open(tmp_path, "m", 8).definitions("g1@a") is None


@pytest.mark.parametrize("exact_up_to", [1000, 100])  # flat, HNSW
def test_a_reopened_index_is_read_mapped_and_changed_in_its_own_copy(tmp_path: Path, exact_up_to: int) -> None:
    vectors = unit_vectors(200, dim=16, seed=5)
    index = VectorIndex(tmp_path, "m", 16, exact_up_to=exact_up_to)
    index.add([IndexedChunk(f"c{i}", "") for i in range(200)], vectors)
    index.save()
    on_disk = tmp_path / "snapshots" / str(index.snapshot) / "vectors.faiss"
    written = on_disk.read_bytes()
    serving = VectorIndex.open(tmp_path, "m", 16, exact_up_to=exact_up_to)
    writer = VectorIndex.open(tmp_path, "m", 16, exact_up_to=exact_up_to)
    writer.remove(["c0"])
    writer.add([IndexedChunk("new", "")], vectors[:1])
    assert writer.search(vectors[0], 1)[0][0] == "new"
    assert serving.search(vectors[0], 1)[0][0] == "c0"  # the other process's view is the snapshot's
    assert on_disk.read_bytes() == written
    writer.save()
    assert VectorIndex.open(tmp_path, "m", 16, exact_up_to=exact_up_to).search(vectors[0], 1)[0][0] == "new"
