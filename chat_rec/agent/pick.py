"""The ``pick`` role: the model chooses k picks from the ranked top N, in one call per turn.

The prompt (``prompts/pick/``) lists the candidates; its JSON schema's ``id`` field is
filled here with an enum of exactly those ids, so llama.cpp's grammar (and an
OpenAI-compatible server that honours the schema) cannot write another id. The answer
is parsed while it streams (``ijson``, a maintained incremental parser, instead of
hand-counting braces): each pick is handed on as soon as its object closes, so the first
card shows before the model has finished the others.

Checked again in code, whatever the server did with the schema: an id outside the
candidates, a duplicate, or a pick past k is dropped; truncated, malformed or empty
output ends the stream. :class:`PickOutcome` says what was dropped and why; the explain
step fills the missing slots in the ranking's order and labels them in the trace.

Deliberately left out: asking again after a bad answer (one call per turn is the budget).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from chat_rec.errors import LLMError
from chat_rec.llm.base import LLM, with_deadline
from chat_rec.prompts.registry import PromptFile


@dataclass
class PickOutcome:
    """What the pick call returned and what code made of it (goes into the turn trace)."""

    raw: str = ""
    kept: list[str] = field(default_factory=list)
    dropped: list[dict[str, str]] = field(default_factory=list)  # {"id", "why"}
    problem: str = ""  # why the stream ended early ("" when it closed properly)

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "kept": self.kept, "dropped": self.dropped, "problem": self.problem}


def pick_schema(prompt: PromptFile, ids: list[str], k: int) -> dict[str, Any]:
    """The prompt's schema with the candidates' ids as the only allowed ``id`` values."""
    if prompt.output_schema is None:
        raise LLMError(f"{prompt.ref} has no output_schema", "Give the pick prompt the schema of prompts/pick/v1.yaml.")
    schema = copy.deepcopy(prompt.output_schema)
    picks = schema["properties"]["picks"]
    picks["items"]["properties"]["id"]["enum"] = list(ids)
    picks["maxItems"] = k
    picks["minItems"] = min(k, len(ids))
    return schema


def candidate_lines(described: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Candidates as the prompt shows them: the id the model must copy and the facts to choose by."""
    keys = ("id", "title", "year", "categories", "tags", "people", "description", "matches")
    return [{k: d.get(k) for k in keys} for d in described]


def _objects(chunks: Iterator[str], outcome: PickOutcome) -> Iterator[dict[str, Any]]:
    """Each ``picks`` array entry as soon as it closes; raises LLMError on broken JSON."""
    import ijson

    closed = ijson.sendable_list()
    parser = ijson.items_coro(closed, "picks.item", use_float=True)
    try:
        for chunk in chunks:
            outcome.raw += chunk
            parser.send(chunk.encode("utf-8"))
            while closed:
                yield closed.pop(0)
        parser.close()
        while closed:
            yield closed.pop(0)
    except ijson.JSONError as exc:
        raise LLMError(f"the pick answer is not the JSON its schema asks for ({exc})") from exc


def stream_picks(
    llm: LLM, prompt: PromptFile, inputs: dict[str, Any], ids: list[str], k: int, deadline: float
) -> Generator[tuple[str, str], None, PickOutcome]:
    """Yield (item id, the model's reason) per valid pick as it closes; return the outcome.

    Never raises for the model's output: a failure is recorded in ``outcome.problem``.
    """
    outcome = PickOutcome()
    allowed = set(ids)
    remaining = deadline - time.monotonic()
    try:
        if remaining <= 0:
            raise LLMError("no time left for the model in this turn", "Raise CHAT_REC_LLM_TIMEOUT_S.")
        chunks = llm.stream(
            prompt.render(**inputs),
            schema=pick_schema(prompt, ids, k),
            max_tokens=prompt.model.max_tokens,
            temperature=prompt.model.temperature,
        )
        for obj in _objects(with_deadline(chunks, remaining), outcome):
            item_id = str(obj.get("id", "")) if isinstance(obj, dict) else ""
            reason = str(obj.get("reason", "")) if isinstance(obj, dict) else ""
            why = (
                "not one of the candidates"
                if item_id not in allowed
                else "a duplicate pick"
                if item_id in outcome.kept
                else f"more than the {k} picks asked for"
                if len(outcome.kept) >= k
                else ""
            )
            if why:
                outcome.dropped.append({"id": item_id[:80], "why": why})
                continue
            outcome.kept.append(item_id)
            yield item_id, reason.strip()
    except LLMError as exc:
        outcome.problem = exc.message
        if exc.message.startswith("the pick answer is not"):
            outcome.problem = "truncated or malformed JSON" if outcome.raw.strip() else "empty answer"
    return outcome
