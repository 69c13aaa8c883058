"""A model's answers recorded to a file and replayed: measuring a template or a check again
without paying for the model again.

``RecordedLLM`` wraps a backend. Each call's key is a hash of everything that shapes the
answer (messages, schema, max_tokens, temperature, stop); the first time a key is seen
the backend answers and the full text is appended to a JSONL file; later the text comes
from the file. ``chat-rec eval roles --record FILE`` uses it, so a run that changes only
what code does with the model's answers (a template reason, a check) replays the model
exactly, and the file says which answers were recorded when.

A caller that stops reading early (a stop sequence seen, enough picks, the turn's time
budget spent) leaves a *cut* record: on replay its text is given, and reading past it
raises :class:`LLMError` as a timed-out call would, so the caller does what it did.

Deliberately left out: the backend's timing (a replayed answer arrives at once, so
latency is measured only on a run that records) and calls that failed before any text
(not recorded; replay asks the backend again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chat_rec.errors import LLMError
from chat_rec.llm.base import LLM, Message


def answer_key(messages: list[Message], schema: dict[str, Any] | None, **params: Any) -> str:
    """The hash of one call's inputs (same inputs, same key, on any machine)."""
    blob = json.dumps({"messages": messages, "schema": schema, **params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RecordedLLM(LLM):
    """``inner``'s answers, recorded to ``path`` on first use and replayed after."""

    def __init__(self, inner: LLM | None, path: Path) -> None:
        self.inner = inner  # None: replay only, a call not in the file fails as a dead backend would
        self.name = inner.name if inner else "recorded"
        self.path = path
        self.answers: dict[str, tuple[str, bool]] = {}  # key -> (text, whether the call ran to its end)
        self.replayed = 0
        self.recorded = 0
        self.missed = 0
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.answers[row["key"]] = (row["text"], row["complete"])
                    self.name = inner.name if inner else row["model"]

    def stream(
        self,
        messages: list[Message],
        schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        key = answer_key(messages, schema, max_tokens=max_tokens, temperature=temperature, stop=stop)
        if key in self.answers:
            self.replayed += 1
            text, complete = self.answers[key]
            yield text
            if not complete:
                raise LLMError("the recorded answer was cut here", "Record again without --record to measure it.")
            return
        if self.inner is None:
            self.missed += 1
            raise LLMError("this call was not recorded", "Record it: run again with the model configured.")
        parts: list[str] = []
        complete = False
        try:
            for chunk in self.inner.stream(messages, schema, max_tokens, temperature, stop):
                parts.append(chunk)
                yield chunk
            complete = True
        finally:
            if parts or complete:
                self._record(key, "".join(parts), complete)

    def _record(self, key: str, text: str, complete: bool) -> None:
        self.answers[key] = (text, complete)
        self.recorded += 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        row = {"key": key, "model": self.name, "text": text, "complete": complete}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
