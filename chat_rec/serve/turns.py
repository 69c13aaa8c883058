"""One turn over HTTP: run ``Agent.turn`` on the turn thread, relay its events.

The turn runs to the end on its own thread whatever the client does: a client that
hangs up mid-stream still gets its turn stored (as ``Agent.turn`` promises). The first
event is awaited before the response starts, so a message the agent rejects (empty
after cleaning) is a 422 instead of a stream that opens and errors.

SSE framing is four lines of code here (``event:``/``data:``); a library such as
sse-starlette would add keep-alive pings we do not need for turns of a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from chat_rec.agent.events import Card, Clarify, Done, Event, Status, TextDelta
from chat_rec.errors import ChatRecError
from chat_rec.memory.store import TurnRecord
from chat_rec.serve import metrics
from chat_rec.serve.service import Service

_END = object()


def done_payload(turn: TurnRecord) -> dict[str, Any]:
    return {
        "turn_id": turn.id,
        "conversation_id": turn.conversation_id,
        "kind": turn.kind,
        "prompt_version": f"{turn.prompt_name}@{turn.prompt_version}",
        "prompts": turn.trace.get("prompts", {}),
        "ranking_version": turn.ranking_version,
        "grounded": turn.grounded,
        "llm": turn.llm,
        "written_by": metrics.written_by(turn),
        "fallback_reason": turn.fallback_reason,
    }


def payload(event: Event) -> tuple[str, dict[str, Any]]:
    """The SSE event name and JSON data of one agent event."""
    if isinstance(event, Status):
        return "status", {"stage": event.stage}
    if isinstance(event, TextDelta):
        return "text", {"text": event.text}
    if isinstance(event, Card):
        return "card", {
            "position": event.position,
            "item_id": event.item_id,
            "title": event.title,
            "reason": event.reason,
        }
    if isinstance(event, Clarify):
        return "clarify", {"question": event.question, "options": event.options}
    return "done", done_payload(event.turn)


def sse(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def turn_events(
    svc: Service,
    user_id: str,
    conversation_id: str,
    message: str,
    prompt_versions: dict[str, str],
    filters: dict[str, Any],
) -> AsyncIterator[Event]:
    """The turn's events as they happen. Raises the agent's error if it fails before the first event."""
    agent = svc.require_agent()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    queued_at = time.perf_counter()
    metrics.WAITING.inc()

    def put(item: object) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        metrics.WAITING.dec()
        metrics.QUEUE_SECONDS.observe(time.perf_counter() - queued_at)
        try:
            for event in agent.turn(
                user_id, message, conversation_id, prompt_versions=prompt_versions or None, filters=filters or None
            ):
                if isinstance(event, Done):
                    metrics.observe_turn(event.turn)
                put(event)
        except Exception as exc:  # relayed to the request: a JSON error, or an SSE `error` event
            metrics.ERRORS.labels(type(exc).__name__).inc()
            put(exc)
        finally:
            put(_END)

    svc.turns.submit(work)
    while True:
        item = await queue.get()
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        yield item  # type: ignore[misc]


async def first_and_rest(events: AsyncIterator[Event]) -> tuple[Event | None, AsyncIterator[Event]]:
    """Wait for the first event (errors before it surface here, as exceptions)."""
    try:
        first = await events.__anext__()
    except StopAsyncIteration:
        return None, events
    return first, events


async def as_sse(first: Event | None, rest: AsyncIterator[Event]) -> AsyncIterator[str]:
    if first is not None:
        yield sse(*payload(first))
    try:
        async for event in rest:
            yield sse(*payload(event))
    except ChatRecError as exc:
        yield sse("error", {"error": exc.message, "hint": exc.hint})
    except Exception as exc:
        yield sse("error", {"error": f"{type(exc).__name__}: {exc}", "hint": "Retry; if it persists, see the logs."})


async def as_json(first: Event | None, rest: AsyncIterator[Event]) -> dict[str, Any]:
    events: list[Event] = [first] if first is not None else []
    events.extend([e async for e in rest])
    done = next(e for e in reversed(events) if isinstance(e, Done))
    options = next((e.options for e in events if isinstance(e, Clarify)), [])
    cards = [payload(e)[1] for e in events if isinstance(e, Card)]
    return {"reply": done.turn.reply, "cards": cards, "options": options, "done": done_payload(done.turn)}
