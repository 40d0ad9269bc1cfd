"""LLM answers with SmolLM2-135M through llama.cpp in this process.

Not collected on its own (the name does not start with ``test_``): ``test_llm_answers.py`` runs
this file in a pytest subprocess, so a crash inside the native library (a SIGILL from a build
for another CPU, say) fails that one test instead of killing the whole test run.

The model is tiny and invents freely, which is the point: everything it makes up must be caught
by the verifier.
"""

from __future__ import annotations

import re

import pytest
from drug_named_entity_recognition import find_drugs

from answering.draft import Generator
from answering.llm.generator import LLMGenerator
from runtime.system import System

from ..contracts.generator import Evidence, GeneratorContract
from .llm_support import QUESTIONS, llm_pipeline, system  # noqa: F401  (system is a fixture)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
pytestmark = pytest.mark.parametrize("graph_server", ["arcadedb"], indirect=True)


def _drugs(text: str) -> set[str]:
    return {d[0]["name"] for d in find_drugs(text.split(), is_ignore_case=True)}


def test_smollm2_inventions_are_caught(system: System) -> None:  # noqa: F811
    pipeline = llm_pipeline(system, backend="llamacpp", max_tokens=160)
    assert isinstance(pipeline.generator, LLMGenerator)
    drafted = invented = caught = 0
    for question in QUESTIONS:
        hits = pipeline.evidence(question)
        draft = pipeline.generator.draft(question, hits, pipeline.gate.assess(question, hits))
        for sentence in draft.sentences:
            drafted += 1
            cited_text = " ".join(c.hit.provenance.text for c in sentence.cites if c.hit.provenance)
            new_numbers = set(_NUMBER.findall(sentence.text)) - set(_NUMBER.findall(cited_text))
            new_drugs = _drugs(sentence.text) - _drugs(cited_text)
            if new_numbers or new_drugs:
                invented += 1
                verdict = pipeline.checker.verify(sentence)
                caught += verdict.verdict == "unsupported"
                assert verdict.verdict == "unsupported", (sentence.text, new_numbers, new_drugs, verdict)
    print(f"SmolLM2: {drafted} sentences drafted, {invented} with an invented number or drug, {caught} caught")
    assert drafted > 0, "the model wrote nothing to check"


def test_llm_answer_keeps_only_verified_sentences_with_valid_citations(system: System) -> None:  # noqa: F811
    pipeline = llm_pipeline(system, backend="llamacpp", max_tokens=160)
    for question in QUESTIONS[:2]:
        answer = pipeline.ask(question)
        assert answer.faithfulness.verifier == "claim-checks+llamacpp:smollm2"
        for sentence in answer.sentences:
            assert sentence.verdict in ("supported", "partial")
            assert sentence.citations and all(1 <= n <= len(answer.citations) for n in sentence.citations)
        for citation in answer.citations:
            assert citation.chunk_id and citation.version_id and citation.char_end > citation.char_start


class TestLlamaCppGenerator(GeneratorContract):
    @pytest.fixture()
    def generator(self, system: System) -> Generator:  # noqa: F811
        return llm_pipeline(system, backend="llamacpp", max_tokens=160).generator

    @pytest.fixture()
    def evidence(self, system: System) -> Evidence:  # noqa: F811
        hits = system.pipeline.evidence(QUESTIONS[2])
        return QUESTIONS[2], hits, system.pipeline.gate.assess(QUESTIONS[2], hits)
