"""Which prompt versions a turn used, for its trace.

``Agent.turn`` calls :func:`track_prompts` first; every prompt the agent loads after that
(``Agent.prompt``) is noted with its version and content hash, and the turn stores
:func:`tracked_prompts` in its trace under ``"prompts"``. A context variable keeps turns
in different threads (UI sessions) or tasks apart.

Deliberately left out: two turn generators advanced alternately in one thread share
the record; nothing in chat-rec does that.
"""

from __future__ import annotations

from contextvars import ContextVar

from chat_rec.prompts.registry import PromptFile

PromptTrace = dict[str, dict[str, str]]

_used: ContextVar[PromptTrace | None] = ContextVar("chat_rec_prompts_used", default=None)


def track_prompts() -> PromptTrace:
    used: PromptTrace = {}
    _used.set(used)
    return used


def note_prompt(prompt: PromptFile) -> None:
    used = _used.get()
    if used is not None:
        used[prompt.name] = {"version": prompt.version, "hash": prompt.content_hash}


def tracked_prompts() -> PromptTrace:
    return dict(_used.get() or {})
