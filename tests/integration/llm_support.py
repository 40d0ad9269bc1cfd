"""What the LLM answer tests share: a small real corpus, questions about it, and LLM pipelines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from answering.pipeline import QueryPipeline
from ckg.settings import GenerationSettings
from graph.servers import ServerInfo
from ingest.pipeline import parse_files
from runtime.system import System, build_pipeline

from ..conftest import FEDERAL, settings_at

SLICE = ["ngc-10008.html", "ngc-10510.html", "ngc-10192.html"]
QUESTIONS = [
    "Who should be screened for lung cancer with low-dose computed tomography, and how often?",
    "Should men who have ever smoked be screened for abdominal aortic aneurysm?",
    "Should adults be screened for peripheral artery disease with the ankle-brachial index?",
    "What dose of aspirin prevents cardiovascular events in adults with peripheral artery disease?",
]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, graph_server: ServerInfo) -> Iterator[System]:
    system = System.open(settings_at(graph_server, tmp_path_factory.mktemp("llm-home")))
    system.graph.delete_everything()
    system.index.remove(list(system.index.chunk_ids()))
    system.ingest(parse_files([FEDERAL / name for name in SLICE], system.settings.ingest))
    yield system
    system.close()


def llm_pipeline(system: System, **generation: object) -> QueryPipeline:
    """The system's query pipeline with an LLM writing the answers, built as the settings say."""
    settings = system.settings.model_copy(update={"generation": GenerationSettings(**generation)})  # type: ignore[arg-type]
    return build_pipeline(settings, system.graph, system.embedder, system.index)
