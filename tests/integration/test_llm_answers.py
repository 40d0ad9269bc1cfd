"""LLM answers with the real SmolLM2-135M model: through an OpenAI-compatible HTTP server on
loopback here, and through llama.cpp in-process in a pytest subprocess (``llamacpp_checks.py``),
so that a crash in the native library fails one test and not the run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from answering.llm.models import packaged_model
from ckg.errors import GeneratorUnavailable
from retrieval.langchain_retriever import ClinicalKGRetriever
from runtime.system import System

from ..conftest import REPO
from .api_support import free_port
from .llm_support import QUESTIONS, llm_pipeline, system  # noqa: F401  (system is a fixture)

LOCAL_CHECKS = Path(__file__).with_name("llamacpp_checks.py")


def test_local_llamacpp_checks_pass_in_a_subprocess() -> None:
    """The in-process llama.cpp tests; a native crash shows up here as the signal that killed them."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(LOCAL_CHECKS)],
                         cwd=REPO, capture_output=True, text=True, timeout=1800)
    report = (run.stdout + run.stderr)[-6000:]
    if run.returncode < 0:
        pytest.fail(f"llama.cpp tests crashed with {signal.Signals(-run.returncode).name}:\n{report}")
    assert run.returncode == 0, report
    assert " passed" in run.stdout and " skipped" not in run.stdout, report


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server, serving SmolLM2 on a free loopback port."""
    port = free_port()
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
def test_openai_compatible_endpoint_on_loopback(system: System, openai_server: str) -> None:  # noqa: F811
    pipeline = llm_pipeline(system, backend="openai", base_url=openai_server, model="smollm2", max_tokens=160)
    question = QUESTIONS[1]
    hits = pipeline.evidence(question)
    draft = pipeline.generator.draft(question, hits, pipeline.gate.assess(question, hits))
    assert draft.sentences or draft.declined, "the endpoint returned nothing usable"
    answer = pipeline.ask(question)
    assert answer.faithfulness.verifier == "claim-checks+openai:smollm2"
    assert all(s.verdict != "unsupported" for s in answer.sentences)


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_unreachable_endpoint_is_a_clear_503(system: System) -> None:  # noqa: F811
    port = free_port()  # closed again: nothing listens there
    pipeline = llm_pipeline(system, backend="openai", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0,
                            timeout_s=5)
    with pytest.raises(GeneratorUnavailable, match="openai:smollm2") as failure:
        pipeline.ask(QUESTIONS[1])
    assert failure.value.http_status == 503


@pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)
def test_langchain_retriever_returns_chunks_with_provenance(system: System) -> None:  # noqa: F811
    documents = ClinicalKGRetriever(retriever=system.retriever, k=4).invoke(QUESTIONS[2])
    assert len(documents) == 4
    top = documents[0]
    assert top.metadata["guideline_id"] == "ngc-10008"
    assert {"chunk_id", "version_id", "section", "char_start", "char_end"} <= set(top.metadata)
    assert top.id == top.metadata["chunk_id"] and top.page_content
