"""LLM backends behind one seam. ``make_llm(settings)`` picks one by ``CHAT_REC_LLM``."""

from __future__ import annotations

from chat_rec.llm.base import LLM, Message, with_deadline
from chat_rec.settings import Settings

__all__ = ["LLM", "Message", "make_llm", "with_deadline"]


def make_llm(settings: Settings) -> LLM | None:
    """The configured backend, or None for ``CHAT_REC_LLM=none`` (template answers only)."""
    if settings.llm == "none":
        return None
    if settings.llm == "openai":
        from chat_rec.llm.openai_compat import OpenAICompatLLM

        return OpenAICompatLLM(
            settings.openai_base_url, settings.openai_api_key, settings.llm_model, settings.llm_timeout_s
        )
    from chat_rec.llm.llamacpp import LlamaCppLLM

    return LlamaCppLLM(settings.llm_model, n_ctx=settings.llm_context, n_threads=settings.llm_threads)
