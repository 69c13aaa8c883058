"""Small helpers for tests: run a turn and collect its events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chat_rec.agent.events import Card, Done, Event
from chat_rec.agent.turn import Agent
from chat_rec.llm.base import LLM, Message
from chat_rec.memory.store import TurnRecord


class RecordingLLM(LLM):
    """A stand-in at the LLM seam that records every prompt and answers with one sentence."""

    name = "recording"

    def __init__(self, answer: str = "It fits what you asked for.") -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def stream(
        self,
        messages: list[Message],
        schema: Any = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: Any = None,
    ) -> Iterator[str]:
        self.prompts.append("\n".join(m["content"] for m in messages))
        yield self.answer


def run_turn(agent: Agent, message: str, user: str = "u1", conversation: str = "c1") -> tuple[TurnRecord, list[Event]]:
    events = list(agent.turn(user, message, conversation_id=conversation))
    done = events[-1]
    assert isinstance(done, Done)
    return done.turn, events


def rec_ids(turn: TurnRecord) -> list[str]:
    return [item_id for item_id, _ in turn.recommendations]


def cards(events: list[Event]) -> list[Card]:
    return [e for e in events if isinstance(e, Card)]
