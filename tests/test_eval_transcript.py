"""The transcript format: strict models, file loading, and export from the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chat_rec.errors import InputError
from chat_rec.eval.transcript import (
    AssistantTurn,
    Conversation,
    FeedbackEvent,
    UserTurn,
    export_transcript,
    load_many,
    load_transcripts,
    parse_conversation,
)
from chat_rec.memory.store import Store, TurnRecord

CASES = Path(__file__).resolve().parents[1] / "eval" / "cases"


def test_unknown_keys_are_rejected() -> None:
    good = {"id": "c", "turns": [{"role": "user", "text": "hi", "expect": {"year_min": 1980}}]}
    assert isinstance(parse_conversation(good).turns[0], UserTurn)
    with pytest.raises(ValidationError):  # a typo in an assertion must not silently pass
        parse_conversation({"id": "c", "turns": [{"role": "user", "text": "hi", "expect": {"year_minimum": 1980}}]})
    with pytest.raises(ValidationError):
        parse_conversation({"id": "c", "turns": [{"role": "user", "text": "hi", "mood": "x"}]})
    with pytest.raises(ValidationError):
        parse_conversation({**good, "owner": "me"})
    with pytest.raises(ValidationError):
        parse_conversation({"id": "c", "turns": [{"role": "robot", "text": "hi"}]})


def test_feedback_needs_exactly_one_target_and_a_user_turn() -> None:
    with pytest.raises(ValidationError):
        FeedbackEvent(kind="seen")
    with pytest.raises(ValidationError):
        FeedbackEvent(kind="seen", item="x", position=1)
    with pytest.raises(ValidationError):
        FeedbackEvent(kind="love", item="x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Conversation(id="c", turns=[AssistantTurn(text="hello")])


def test_load_reports_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        json.dumps({"id": "a", "turns": [{"role": "user", "text": "hi"}]})
        + "\n\n"
        + json.dumps({"id": "b", "turns": [{"role": "user", "text": "hi", "expect": {"must_recomend_any": []}}]})
        + "\n"
    )
    with pytest.raises(InputError, match=r"cases.jsonl:3: .*must_recomend_any"):
        load_transcripts(path)


def test_builtin_cases_parse() -> None:
    conversations = load_many([CASES])
    assert len(conversations) >= 5
    assert any(isinstance(t, FeedbackEvent) for c in conversations for t in c.turns)


def test_export_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.record_turn(
        TurnRecord(
            "u",
            "c1",
            "hi, recommend me something",
            "What do you like?",
            "clarify",
            prompt_name="clarify",
            prompt_version="v1",
        )
    )
    store.record_turn(
        TurnRecord(
            "u",
            "c1",
            "sci-fi",
            "Here you go",
            "recommend",
            recommendations=[("arrival-2016", "smart first contact"), ("alien-1979", "tense")],
            prompt_name="recommend",
            prompt_version="v1",
            llm="llamacpp:x",
        )
    )
    store.record_turn(TurnRecord("u", "other", "x", "y", "recommend", recommendations=[("nope-2022", "r")]))
    store.add_feedback("u", "alien-1979", "seen")
    store.add_feedback("u", "arrival-2016", "like")
    data = export_transcript(store, "u", "c1")
    store.close()
    conv = parse_conversation(json.loads(json.dumps(data)))  # what the file holds parses back
    roles = [t.role for t in conv.turns]
    assert roles == ["user", "assistant", "user", "assistant", "feedback", "feedback"]
    assistant = conv.turns[3]
    assert isinstance(assistant, AssistantTurn)
    assert [r.item_id for r in assistant.recommendations] == ["arrival-2016", "alien-1979"]
    assert assistant.prompt_version == "recommend@v1"
    kinds = {(t.kind, t.item) for t in conv.turns if isinstance(t, FeedbackEvent)}
    assert kinds == {("seen", "alien-1979"), ("like", "arrival-2016")}
    with pytest.raises(InputError):
        export_transcript(Store(tmp_path / "s.sqlite3"), "u", "missing")


def test_export_places_feedback_when_it_was_given(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    first = store.record_turn(TurnRecord("u", "c", "one", "r", "recommend", recommendations=[("a", ""), ("b", "")]))
    second = store.record_turn(TurnRecord("u", "c", "two", "r", "recommend", recommendations=[("c", "")]))
    store.add_feedback("u", "a", "like")  # clicked before the second message
    store.add_feedback("u", "b", "seen")  # clicked after it, on the first list
    with store.db:
        store.db.execute("UPDATE turns SET created_at = '2026-01-01 10:00:00' WHERE id = ?", (first,))
        store.db.execute("UPDATE turns SET created_at = '2026-01-01 10:05:00' WHERE id = ?", (second,))
        store.db.execute("UPDATE feedback SET created_at = '2026-01-01 10:01:00' WHERE item_id = 'a'")
        store.db.execute("UPDATE feedback SET created_at = '2026-01-01 10:06:00' WHERE item_id = 'b'")
    turns = export_transcript(store, "u", "c")["turns"]
    store.close()
    assert [(t["role"], t.get("item") or t.get("text")) for t in turns if t["role"] != "assistant"] == [
        ("user", "one"),
        ("feedback", "a"),
        ("user", "two"),
        ("feedback", "b"),
    ]
