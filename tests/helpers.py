"""Small helpers for tests: run a turn and collect its events."""

from __future__ import annotations

from chat_rec.agent.events import Card, Done, Event
from chat_rec.agent.turn import Agent
from chat_rec.memory.store import TurnRecord


def run_turn(agent: Agent, message: str, user: str = "u1", conversation: str = "c1") -> tuple[TurnRecord, list[Event]]:
    events = list(agent.turn(user, message, conversation_id=conversation))
    done = events[-1]
    assert isinstance(done, Done)
    return done.turn, events


def rec_ids(turn: TurnRecord) -> list[str]:
    return [item_id for item_id, _ in turn.recommendations]


def cards(events: list[Event]) -> list[Card]:
    return [e for e in events if isinstance(e, Card)]
