"""LLM answers: the best retrieved passages, numbered, in; cited sentences out.

The extractive scorer first decides whether the evidence addresses the question at all: a
model is not asked to answer from evidence that does not (it would, fluently). Whatever the
model writes then goes to the verifier sentence by sentence; a citation it invents is recorded
as a problem and the sentence cannot pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

from ckg.errors import GeneratorUnavailable
from ckg.settings import GenerationSettings
from ckg.types import Hit
from retrieval.answer import Cited, Draft, DraftSentence
from retrieval.extractive import ExtractiveGenerator
from retrieval.llm.models import chat_model
from retrieval.llm.prompt import ANSWER_PROMPT, REPAIR_PROMPT, ParsedSentence, number_evidence, parse_answer

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 3.5  # English clinical prose in SentencePiece/BPE vocabularies; errs on the safe side
PROMPT_TOKENS = 200  # instructions and question around the evidence


@dataclass
class LLMGenerator:
    model: BaseChatModel
    relevance: ExtractiveGenerator
    evidence_items: int = 4
    evidence_chars: int = 5000
    repair_attempts: int = 1
    name: str = "llm"

    @classmethod
    def from_settings(cls, g: GenerationSettings, relevance: ExtractiveGenerator) -> LLMGenerator:
        budget = int((g.context_tokens - g.max_tokens - PROMPT_TOKENS) * CHARS_PER_TOKEN)
        model_name = g.model if g.backend == "openai" else (g.model_path.name if g.model_path else "smollm2")
        return cls(chat_model(g), relevance, g.evidence_items, budget, g.repair_attempts, f"{g.backend}:{model_name}")

    def draft(self, question: str, hits: list[Hit]) -> Draft:
        best = self.relevance.relevance(question, hits)
        if reason := self.relevance.too_far(best):
            return Draft([], best, reason)
        passages = self.passages(hits)
        values = {"question": question, "evidence": number_evidence(passages),
                  "max_sentences": self.relevance.max_sentences}
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
            return Draft([], best, "the model found that the evidence does not answer the question")
        return Draft([_draft_sentence(p, passages) for p in parsed], best)

    def passages(self, hits: list[Hit]) -> list[Hit]:
        """The best quotable hits that fit the prompt's evidence budget (at least one)."""
        chosen: list[Hit] = []
        used = 0
        for hit in hits:
            prov = hit.provenance
            if prov is None or not self.relevance.quotable(prov.section):
                continue
            if chosen and (len(chosen) == self.evidence_items or used + len(prov.text) > self.evidence_chars):
                break
            chosen.append(hit)
            used += len(prov.text)
        return chosen

    def _ask(self, prompt: ChatPromptTemplate, values: dict[str, object]) -> str:
        try:
            message = (prompt | self.model).invoke(values)
        except Exception as exc:  # the backends raise their own families (openai, httpx, llama.cpp)
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
