"""LLM answers with the real SmolLM2-135M model: through llama.cpp in-process and through an
OpenAI-compatible HTTP server on loopback. The model is tiny and invents freely, which is the
point: everything it makes up must be caught by the verifier."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from drug_named_entity_recognition import find_drugs

from api.system import System, build_answerer
from ckg.errors import GeneratorUnavailable
from ckg.settings import GenerationSettings
from graph.servers import ServerInfo
from ingest.pipeline import parse_files
from retrieval.answer import Answerer
from retrieval.langchain_retriever import ClinicalKGRetriever
from retrieval.llm.generator import LLMGenerator
from retrieval.llm.models import packaged_model

from ..conftest import FEDERAL, settings_at

SLICE = ["ngc-10008.html", "ngc-10510.html", "ngc-10192.html"]
QUESTIONS = [
    "Who should be screened for lung cancer with low-dose computed tomography, and how often?",
    "Should men who have ever smoked be screened for abdominal aortic aneurysm?",
    "Should adults be screened for peripheral artery disease with the ankle-brachial index?",
    "What dose of aspirin prevents cardiovascular events in adults with peripheral artery disease?",
]
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, graph_server: ServerInfo) -> Iterator[System]:
    system = System.open(settings_at(graph_server, tmp_path_factory.mktemp("llm-home")))
    system.graph.delete_everything()
    system.index.remove(list(system.index.chunk_ids()))
    system.ingest(parse_files([FEDERAL / name for name in SLICE], system.settings.ingest))
    yield system
    system.close()


def llm_answerer(system: System, **generation: object) -> Answerer:
    settings = system.settings.model_copy(update={"generation": GenerationSettings(**generation)})  # type: ignore[arg-type]
    return build_answerer(settings, system.embedder)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drugs(text: str) -> set[str]:
    return {d[0]["name"] for d in find_drugs(text.split(), is_ignore_case=True)}


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_smollm2_inventions_are_caught(system: System) -> None:
    answerer = llm_answerer(system, backend="llamacpp", max_tokens=160)
    assert isinstance(answerer.generator, LLMGenerator)
    drafted = invented = caught = 0
    for question in QUESTIONS:
        draft = answerer.generator.draft(question, system.evidence(question))
        for sentence in draft.sentences:
            drafted += 1
            cited_text = " ".join(c.hit.provenance.text for c in sentence.cites if c.hit.provenance)
            new_numbers = set(_NUMBER.findall(sentence.text)) - set(_NUMBER.findall(cited_text))
            new_drugs = _drugs(sentence.text) - _drugs(cited_text)
            if new_numbers or new_drugs:
                invented += 1
                verdict = answerer.verify(sentence)
                caught += verdict.verdict == "unsupported"
                assert verdict.verdict == "unsupported", (sentence.text, new_numbers, new_drugs, verdict)
    print(f"SmolLM2: {drafted} sentences drafted, {invented} with an invented number or drug, {caught} caught")
    assert drafted > 0, "the model wrote nothing to check"


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_llm_answer_keeps_only_verified_sentences_with_valid_citations(system: System) -> None:
    answerer = llm_answerer(system, backend="llamacpp", max_tokens=160)
    for question in QUESTIONS[:2]:
        answer = answerer.answer(question, system.evidence(question), 0.0)
        assert answer.faithfulness.verifier == "claim-checks+llamacpp:smollm2"
        for sentence in answer.sentences:
            assert sentence.verdict in ("supported", "partial")
            assert sentence.citations and all(1 <= n <= len(answer.citations) for n in sentence.citations)
        for citation in answer.citations:
            assert citation.chunk_id and citation.version_id and citation.char_end > citation.char_start


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server, serving SmolLM2 on a free loopback port."""
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_model()), "--model_alias", "smollm2",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama.cpp server did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_openai_compatible_endpoint_on_loopback(system: System, openai_server: str) -> None:
    answerer = llm_answerer(system, backend="openai", base_url=openai_server, model="smollm2", max_tokens=160)
    question = QUESTIONS[1]
    draft = answerer.generator.draft(question, system.evidence(question))
    assert draft.sentences or draft.declined, "the endpoint returned nothing usable"
    answer = answerer.answer(question, system.evidence(question), 0.0)
    assert answer.faithfulness.verifier == "claim-checks+openai:smollm2"
    assert all(s.verdict != "unsupported" for s in answer.sentences)


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_unreachable_endpoint_is_a_clear_503(system: System) -> None:
    port = _free_port()  # closed again: nothing listens there
    answerer = llm_answerer(system, backend="openai", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0,
                            timeout_s=5)
    with pytest.raises(GeneratorUnavailable, match="openai:smollm2") as failure:
        answerer.answer(QUESTIONS[1], system.evidence(QUESTIONS[1]), 0.0)
    assert failure.value.http_status == 503


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_langchain_retriever_returns_chunks_with_provenance(system: System) -> None:
    documents = ClinicalKGRetriever(retriever=system.retriever, k=4).invoke(QUESTIONS[2])
    assert len(documents) == 4
    top = documents[0]
    assert top.metadata["guideline_id"] == "ngc-10008"
    assert {"chunk_id", "version_id", "section", "char_start", "char_end"} <= set(top.metadata)
    assert top.id == top.metadata["chunk_id"] and top.page_content
