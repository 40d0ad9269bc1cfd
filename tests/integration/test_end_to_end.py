"""Guidelines in, cited and checked answer out, on both engines, with real model, index and data."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from answering.draft import Generator
from ckg import ids
from ckg.errors import InputError, WriterBusy
from graph.servers import ServerInfo
from ingest.pipeline import BatchInvalid, parse_files
from retrieval.sentence_cache import CachingEmbedder
from retrieval.sentence_vectors import SentenceVectors
from retrieval.vector_index import VectorIndex
from runtime.system import System, build_pipeline

from ..conftest import FEDERAL, settings_at
from ..contracts.generator import Evidence, GeneratorContract

SLICE = ["ngc-10008.html", "ngc-10510.html", "ngc-10192.html"]
PAD_QUESTION = "Should adults be screened for peripheral artery disease with the ankle-brachial index?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A slice of the real federal guidelines with their sidecar metadata."""
    folder = tmp_path_factory.mktemp("corpus")
    for name in SLICE:
        shutil.copy(FEDERAL / name, folder / name)
    lines = [line for line in (FEDERAL / "index.jsonl").read_text().splitlines() if any(n in line for n in SLICE)]
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def system(graph_server: ServerInfo, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    home = tmp_path_factory.mktemp("home")
    system = System.open(settings_at(graph_server, home))
    system.graph.delete_everything()
    system.index.remove(list(system.index.chunk_ids()))
    report = system.ingest(parse_files([corpus], system.settings.ingest))
    assert report.added == 3 and report.chunks > 100
    yield system
    system.close()


class TestExtractiveGenerator(GeneratorContract):
    @pytest.fixture()
    def generator(self, system: System) -> Generator:
        return system.pipeline.generator

    @pytest.fixture()
    def evidence(self, system: System) -> Evidence:
        hits = system.pipeline.evidence(PAD_QUESTION)
        return PAD_QUESTION, hits, system.pipeline.gate.assess(PAD_QUESTION, hits)

    def test_quotes_the_evidence_verbatim(self, generator: Generator, evidence: Evidence) -> None:
        draft = generator.draft(*evidence)
        assert draft.sentences
        for sentence in draft.sentences:
            [cited] = sentence.cites
            prov = cited.hit.provenance
            assert prov is not None
            assert prov.text[cited.start - prov.char_start : cited.end - prov.char_start] == sentence.text


def test_pad_question_is_answered_from_the_uspstf_statement(system: System) -> None:
    answer = system.ask(PAD_QUESTION)
    assert not answer.abstained
    first = answer.citations[answer.sentences[0].citations[0] - 1]
    assert first.guideline_id == "ngc-10008"
    assert "insufficient" in answer.sentences[0].text
    assert first.section == "Recommendations > Major Recommendations"
    # The grade travels with the citation: USPSTF "I statement", normalised.
    assert first.recommendation is not None
    assert (first.recommendation["label"], first.recommendation["direction"]) == ("I statement", "insufficient")
    assert answer.faithfulness.verdict == "supported"
    assert answer.faithfulness.supported == answer.faithfulness.total == len(answer.sentences)


def test_every_citation_points_at_its_exact_span(system: System) -> None:
    answer = system.ask("Which men should be screened for abdominal aortic aneurysm?")
    assert answer.citations
    for citation in answer.citations:
        prov = system.graph.provenance([citation.chunk_id])[citation.chunk_id]
        offset = citation.char_start - prov.char_start
        assert prov.text[offset : offset + len(citation.quote)] == citation.quote
        assert citation.version_id.startswith(citation.guideline_id + "@")
    for sentence in answer.sentences:
        assert f"{sentence.text} [{sentence.citations[0]}]" in answer.answer
    graded = [c.recommendation for c in answer.citations if c.recommendation]
    assert {"label": "B recommendation", "direction": "for", "strength": "strong"}.items() <= graded[0].items()


def test_concepts_and_recommendations_are_in_the_graph(system: System) -> None:
    counts = system.graph.counts()["nodes"]
    assert counts["Concept"] > 20 and counts["Recommendation"] >= 8
    mentions = system.retriever.question_concepts("Screening for abdominal aortic aneurysm in men who smoke")
    assert [m.concept.concept_id for m in mentions] == ["icd10cm:I71.4"]
    assert system.retriever.by_concepts(mentions, 10)


def test_off_topic_question_abstains(system: System) -> None:
    answer = system.ask("What is the first-line antibiotic for community-acquired pneumonia in children?")
    assert answer.abstained and not answer.citations
    assert "does not address" in answer.answer


def test_concurrent_first_questions_read_shared_state_once(system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh pipeline answering its first questions from several threads at once (the API's pool)."""
    pipeline = build_pipeline(system.settings, system.graph, system.embedder, system.index)
    reads, real = [], system.graph.headings

    def slow_headings() -> dict[str, str]:
        reads.append(1)
        time.sleep(0.3)  # every thread arrives while the first one reads
        return real()

    monkeypatch.setattr(system.graph, "headings", slow_headings)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: pipeline.ask(PAD_QUESTION), range(6)))
    assert len(reads) == 1
    assert len({a.answer for a in answers}) == 1 and not answers[0].abstained


def test_a_second_writer_is_refused_while_questions_are_answered(system: System, corpus: Path) -> None:
    before = (system.graph.counts(), system.index.count, system.index.snapshot)
    with system.writing():
        with pytest.raises(WriterBusy, match=f"pid {os.getpid()}"):
            system.ingest(parse_files([FEDERAL / "ngc-10822.html"], system.settings.ingest))
        assert not system.ask(PAD_QUESTION).abstained
    assert (system.graph.counts(), system.index.count, system.index.snapshot) == before


def test_rerun_changes_no_count(system: System, corpus: Path) -> None:
    before = (system.graph.counts(), system.index.count, system.index.snapshot)
    report = system.ingest(parse_files([corpus], system.settings.ingest))
    assert report.unchanged == 3 and report.chunks == 0
    assert (system.graph.counts(), system.index.count, system.index.snapshot) == before


def test_index_and_graph_agree_after_reopen(system: System) -> None:
    reopened = VectorIndex.open(system.settings.index_dir, system.index.model, system.index.dimension)
    assert reopened.chunk_ids() == system.graph.current_chunk_ids()
    assert system.status()["consistent"] is True


def test_evidence_sentences_have_vectors_from_ingestion_and_answers_are_the_same_without(system: System) -> None:
    """Answering splits nothing and embeds only the question (and the rare sentence read otherwise):
    the sentences and vectors stored at ingestion give the same candidates, scores and answer as
    splitting and embedding every retrieved chunk per question."""
    assert isinstance(system.pipeline.gate.embedder, CachingEmbedder) and len(system.index.sentences) > 500
    # A fresh tier with no per-process cache: what the store does not hold is counted whatever ran before.
    stored = CachingEmbedder(system.embedder, 0, system.index.sentences.lookup)
    answer = replace(system.pipeline, gate=replace(system.pipeline.gate, embedder=stored)).ask(PAD_QUESTION)
    # Every sentence is read with its guideline's abbreviations as stored at ingestion: only the
    # question is embedded.
    assert stored.misses == 1 and stored.stored_hits > 20
    assert system.index.quotable_spans(answer.citations[0].chunk_id)  # split at ingestion, not per question
    plain = replace(system.pipeline, gate=replace(system.pipeline.gate, embedder=system.embedder, stored_spans=None))
    hits = plain.evidence(PAD_QUESTION)
    assert np.allclose(plain.gate.assess(PAD_QUESTION, hits).scores,
                       system.pipeline.gate.assess(PAD_QUESTION, hits).scores, atol=1e-5)
    assert [s.text for s in plain.ask(PAD_QUESTION).sentences] == [s.text for s in answer.sentences]
    reopened = VectorIndex.open(system.settings.index_dir, system.index.model, system.index.dimension)
    assert len(reopened.sentences) == len(system.index.sentences)


def test_an_index_without_sentence_vectors_gets_them_when_its_guidelines_are_ingested_again(
        system: System, corpus: Path) -> None:
    kept, count = system.index.sentences, len(system.index.sentences)
    system.index.sentences = SentenceVectors(system.index.dimension)  # as an index written before they were stored
    try:
        report = system.ingest(parse_files([corpus], system.settings.ingest))
        assert (report.unchanged, report.sentences_backfilled, report.chunks) == (3, 3, 0)
        assert len(system.index.sentences) == count
        reopened = VectorIndex.open(system.settings.index_dir, system.index.model, system.index.dimension)
        assert len(reopened.sentences) == count and reopened.chunk_ids() == system.index.chunk_ids()
    finally:
        system.index.sentences = kept


def test_past_its_exact_size_the_index_searches_an_hnsw_graph_and_answers_as_before(
        system: System, tmp_path: Path) -> None:
    """The real index on disk, re-saved as if it had outgrown exact search: the manifest records
    HNSW, dense search finds the exact top 10, and the answer is the one exact search gives."""
    shutil.copytree(system.settings.index_dir, tmp_path / "index")
    grown = VectorIndex.open(tmp_path / "index", system.index.model, system.index.dimension, exact_up_to=10)
    assert grown.structure == "flat"
    grown.save()
    hnsw = VectorIndex.open(tmp_path / "index", system.index.model, system.index.dimension, exact_up_to=10)
    assert hnsw.structure == "hnsw32" and hnsw.chunk_ids() == system.index.chunk_ids()
    questions = [PAD_QUESTION, "Screening for abdominal aortic aneurysm in men who have smoked",
                 "Aspirin for the primary prevention of cardiovascular events", "ultrasonography in older women"]
    for vector in system.embedder.embed(questions):
        assert [c for c, _ in hnsw.search(vector, 10)] == [c for c, _ in system.index.search(vector, 10)]
    pipeline = replace(system.pipeline, retriever=replace(system.retriever, index=hnsw, lexical=hnsw.lexical()))
    assert [s.text for s in pipeline.ask(PAD_QUESTION).sentences] == [s.text for s in system.ask(PAD_QUESTION).sentences]


def test_an_index_without_stored_abbreviations_gets_them_when_its_guidelines_are_ingested_again(
        system: System, corpus: Path) -> None:
    versions = {ids.version_of(c) for c in system.index.chunk_ids()}
    kept = {v: system.index.definitions(v) for v in versions}
    assert all(found is not None for found in kept.values()) and any(kept.values())
    system.index._definitions.clear()  # as an index written before they were stored
    report = system.ingest(parse_files([corpus], system.settings.ingest))
    assert (report.unchanged, report.sentences_backfilled, report.sentences_embedded) == (3, 3, 0)
    reopened = VectorIndex.open(system.settings.index_dir, system.index.model, system.index.dimension)
    assert {v: reopened.definitions(v) for v in versions} == kept


def test_bad_file_in_a_batch_writes_nothing(system: System, corpus: Path, tmp_path: Path) -> None:
    shutil.copy(FEDERAL / "ngc-10822.html", tmp_path / "ngc-10822.html")
    (tmp_path / "junk.html").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "empty.txt").write_bytes(b"")
    before = (system.graph.counts(), system.index.count)
    with pytest.raises(BatchInvalid) as caught:
        parse_files([tmp_path], system.settings.ingest)
    assert len(caught.value.problems) == 2
    assert "junk.html: file holds binary data" in str(caught.value)
    assert (system.graph.counts(), system.index.count) == before


def test_oversized_file_is_refused(system: System, corpus: Path) -> None:
    small = system.settings.ingest.model_copy(update={"max_file_bytes": 1000})
    with pytest.raises(InputError, match="over the limit of 1,000"):
        parse_files([corpus / "ngc-10008.html"], small)


def test_a_changed_guideline_becomes_a_new_current_version(system: System, corpus: Path, tmp_path: Path) -> None:
    html = (corpus / "ngc-10510.html").read_text(encoding="utf-8")
    updated = tmp_path / "ngc-10510.html"
    updated.write_text(html.replace("men aged 65 to 75 years who have ever smoked",
                                    "men aged 65 to 80 years who have ever smoked"), encoding="utf-8")
    shutil.copy(corpus / "index.jsonl", tmp_path / "index.jsonl")
    old_chunks = {c for c in system.index.chunk_ids() if c.startswith("ngc-10510@")}
    old_texts = {e.lexical_text for e in system.index.entries() if e.chunk_id in old_chunks}
    report = system.ingest(parse_files([updated], system.settings.ingest))
    assert report.updated == 1
    new_chunks = {c for c in system.index.chunk_ids() if c.startswith("ngc-10510@")}
    assert new_chunks and not (new_chunks & old_chunks)
    # Only the chunks whose text changed were embedded; the others kept their vectors.
    new_entries = [e for e in system.index.entries() if e.chunk_id in new_chunks]
    changed = [e for e in new_entries if e.lexical_text not in old_texts]
    assert report.vectors_embedded == len(changed) >= 1
    assert report.vectors_reused == len(new_entries) - len(changed) > 0
    kept = next(e for e in new_entries if e.lexical_text in old_texts)
    ids, matrix = system.index.matrix()
    fresh = system.embedder.embed([kept.lexical_text])[0]
    assert np.allclose(matrix[ids.index(kept.chunk_id)], fresh, atol=1e-4)
    assert system.index.chunk_ids() == system.graph.current_chunk_ids()
    answer = system.ask("Which men should be screened for abdominal aortic aneurysm?")
    assert any("65 to 80" in s.text for s in answer.sentences)
    assert all(c.version_id == report.versions[0] for c in answer.citations if c.guideline_id == "ngc-10510")
