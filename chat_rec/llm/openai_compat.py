"""Any OpenAI-compatible server (hosted, or ``python -m llama_cpp.server``) via langchain-openai.

Three llama.cpp-server quirks are handled here: it ignores ``max_completion_tokens`` (so
``max_tokens`` goes in ``extra_body``); it accepts a schema inside
``response_format={"type": "json_object", "schema": ...}`` but not ``json_schema``; and
by default (``--interrupt_requests True``) it ends a streaming answer early, with no
``finish_reason``, as soon as another request waits for the model. An answer that ends
without a ``finish_reason`` is therefore an error here, not a complete (often empty) answer,
so the agent falls back with the reason in its trace.

Deliberately left out: retries beyond one, function calling.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chat_rec.errors import LLMError
from chat_rec.llm.base import LLM, Message


class OpenAICompatLLM(LLM):
    def __init__(self, base_url: str | None, api_key: str | None, model: str | None, timeout_s: float = 60.0) -> None:
        if not base_url:
            raise LLMError(
                "CHAT_REC_LLM=openai needs a server address",
                "Set OPENAI_BASE_URL, e.g. http://127.0.0.1:8080/v1 for `python -m llama_cpp.server`.",
            )
        self.base_url = base_url
        self.api_key = api_key or "not-needed"
        self.model = model or "default"
        self.timeout_s = timeout_s
        self.name = f"openai:{self.model}"

    def stream(
        self,
        messages: list[Message],
        schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        from langchain_openai import ChatOpenAI

        model_kwargs: dict[str, Any] = {}
        if schema is not None:
            model_kwargs["response_format"] = {"type": "json_object", "schema": schema}
        chat = ChatOpenAI(
            base_url=self.base_url,
            api_key=self.api_key,  # type: ignore[arg-type]
            model=self.model,
            temperature=temperature,
            timeout=self.timeout_s,
            max_retries=1,
            extra_body={"max_tokens": max_tokens},
            model_kwargs=model_kwargs,
            stop_sequences=stop or None,
        )
        finish: str | None = None
        try:
            for chunk in chat.stream([(m["role"], m["content"]) for m in messages]):
                finish = chunk.response_metadata.get("finish_reason") or finish
                text = chunk.content
                if isinstance(text, str) and text:
                    yield text
        except Exception as exc:  # openai raises many connection/status types; all mean the same here
            raise LLMError(
                f"the OpenAI-compatible server at {self.base_url} failed: {type(exc).__name__}: {exc}",
                "Check the server is running and OPENAI_BASE_URL / CHAT_REC_LLM_MODEL are right.",
            ) from exc
        if finish is None:
            raise LLMError(
                f"the OpenAI-compatible server at {self.base_url} ended the answer before it finished "
                "(llama_cpp.server cuts a streaming answer when another request arrives)",
                "Send one request at a time to the server, or start it with `--interrupt_requests False`.",
            )
