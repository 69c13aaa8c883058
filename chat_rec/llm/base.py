"""The LLM seam: one method to implement, ``stream``.

A backend receives chat messages and, optionally, a JSON schema its output must follow,
and yields text chunks. Everything else (prompt rendering, parsing, checking ids,
fallbacks) lives in the agent, so a new backend is ~50 lines.

Deliberately left out: tool calling and multi-modal input.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from chat_rec.errors import LLMError

Message = dict[str, str]


class LLM(ABC):
    name: str = "llm"

    @abstractmethod
    def stream(
        self,
        messages: list[Message],
        schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the reply in chunks. Raise :class:`LLMError` when the backend fails."""

    def complete(self, messages: list[Message], **kwargs: Any) -> str:
        return "".join(self.stream(messages, **kwargs))


def _close(chunks: Iterator[str]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def with_deadline(chunks: Iterator[str], seconds: float) -> Iterator[str]:
    """Stop a stream that runs past its time budget (checked between chunks)."""
    deadline = time.monotonic() + seconds
    try:
        for chunk in chunks:
            yield chunk
            if time.monotonic() > deadline:
                raise LLMError(
                    f"the model took longer than {seconds:.0f}s",
                    "Raise CHAT_REC_LLM_TIMEOUT_S or use a faster model; a template answer was shown instead.",
                )
    finally:
        _close(chunks)  # frees the backend (and its lock) at once


def until_stop(chunks: Iterator[str], stops: list[str] | None) -> Iterator[str]:
    """Cut a stream at the first stop sequence that follows some real text.

    Backends stop at the very first match, so a model that opens with a blank line (Gemma
    does) and a prompt that stops at "\\n" give an empty answer; here leading whitespace
    never stops the stream. The backend is closed as soon as a stop is seen.
    """
    if not stops:
        yield from chunks
        return
    text = ""
    sent = 0
    try:
        for chunk in chunks:
            text += chunk
            start = len(text) - len(text.lstrip())
            if start == len(text):
                continue  # only whitespace so far
            cuts = [i for i in (text.find(s, start) for s in stops) if i >= 0]
            if cuts:
                yield text[sent : min(cuts)]
                return
            keep = max(len(s) for s in stops) - 1  # a stop may span two chunks
            safe = max(sent, len(text) - keep)
            if safe > sent:
                yield text[sent:safe]
                sent = safe
        yield text[sent:]
    finally:
        _close(chunks)
