"""What ``Agent.turn`` yields. UI, CLI and eval consume the same stream."""

from __future__ import annotations

from dataclasses import dataclass, field

from chat_rec.memory.store import TurnRecord


@dataclass
class Status:
    stage: str  # understanding | retrieving | ranking | writing


@dataclass
class TextDelta:
    text: str


@dataclass
class Card:
    position: int
    item_id: str
    title: str
    reason: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class Clarify:
    question: str
    options: list[str]


@dataclass
class Done:
    turn: TurnRecord


Event = Status | TextDelta | Card | Clarify | Done
