"""LLM answers: the best retrieved passages, numbered, in; cited sentences out.

The pipeline's relevance gate has already decided that the evidence addresses the question: a
model is never asked to answer from evidence that does not (it would, fluently). Whatever the
model writes then goes to the verifier sentence by sentence; a citation it invents is recorded
as a problem and the sentence cannot pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

from answering.draft import Cited, Draft, DraftSentence
from answering.gate import Relevance
from answering.llm.models import chat_model
from answering.llm.prompt import ANSWER_PROMPT, REPAIR_PROMPT, ParsedSentence, number_evidence, parse_answer
from ckg.errors import GeneratorUnavailable
from ckg.settings import GenerationSettings
from ckg.types import Hit

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 3.5  # English clinical prose in SentencePiece/BPE vocabularies; errs on the safe side
PROMPT_TOKENS = 200  # instructions and question around the evidence
# What a model call can fail with that is not our bug: the endpoint (openai's APIError covers connection,
# timeout and HTTP status errors; httpx below it), the network, and llama.cpp (RuntimeError when decoding
# fails, ValueError when the prompt overflows its context). Anything else is a bug and surfaces as one.
MODEL_FAILURES: tuple[type[Exception], ...] = (openai.APIError, httpx.HTTPError, OSError, RuntimeError, ValueError)


@dataclass
class LLMGenerator:
    model: BaseChatModel
    max_sentences: int
    evidence_items: int
    evidence_chars: int
    repair_attempts: int
    name: str

    @classmethod
    def from_settings(cls, g: GenerationSettings, max_sentences: int) -> LLMGenerator:
        budget = int((g.context_tokens - g.max_tokens - PROMPT_TOKENS) * CHARS_PER_TOKEN)
        model_name = g.model if g.backend == "openai" else (g.model_path.name if g.model_path else "smollm2")
        return cls(chat_model(g), max_sentences, g.evidence_items, budget, g.repair_attempts,
                   f"{g.backend}:{model_name}")

    def draft(self, question: str, hits: list[Hit], relevance: Relevance) -> Draft:
        passages = self.passages(hits, relevance)
        if not passages:
            return Draft([], "no quotable evidence passage was retrieved")
        values = {"question": question, "evidence": number_evidence(passages), "max_sentences": self.max_sentences}
        reply = self._ask(ANSWER_PROMPT, values)
        parsed = parse_answer(reply, len(passages))
        for _ in range(self.repair_attempts):
            invalid = sorted({n for p in parsed or [] for n in p.invalid})
            if not invalid:
                break
            log.info("answer cites passages not given; re-asking invalid=%s", invalid)
            reply = self._ask(REPAIR_PROMPT, {**values, "previous": reply, "count": len(passages),
                                              "invalid": ", ".join(f"[{n}]" for n in invalid)})
            parsed = parse_answer(reply, len(passages))
        if parsed is None:
            return Draft([], "the model found that the evidence does not answer the question")
        return Draft([_draft_sentence(p, passages) for p in parsed])

    def passages(self, hits: list[Hit], relevance: Relevance) -> list[Hit]:
        """The best quotable hits (those the gate took sentences from) within the evidence budget."""
        quotable = {c.hit.chunk_id for c in relevance.candidates}
        chosen: list[Hit] = []
        used = 0
        for hit in hits:
            prov = hit.provenance
            if prov is None or hit.chunk_id not in quotable:
                continue
            if chosen and (len(chosen) == self.evidence_items or used + len(prov.text) > self.evidence_chars):
                break
            chosen.append(hit)
            used += len(prov.text)
        return chosen

    def _ask(self, prompt: ChatPromptTemplate, values: dict[str, object]) -> str:
        try:
            message = (prompt | self.model).invoke(values)
        except MODEL_FAILURES as exc:
            raise GeneratorUnavailable(f"the answer model ({self.name}) failed: {type(exc).__name__}") from exc
        return str(message.content)


def _draft_sentence(parsed: ParsedSentence, passages: list[Hit]) -> DraftSentence:
    cites = []
    for n in parsed.cites:
        prov = passages[n - 1].provenance
        assert prov is not None
        cites.append(Cited(passages[n - 1], prov.char_start, prov.char_end))
    problems = tuple(f"cites [{n}], but only passages 1-{len(passages)} were given" for n in parsed.invalid)
    return DraftSentence(parsed.text, tuple(cites), problems)
