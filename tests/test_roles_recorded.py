"""Recorded model answers (``eval roles --record``) and the roles run's turn order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chat_rec.agent.preferences import Preferences
from chat_rec.cli.eval import app
from chat_rec.errors import LLMError
from chat_rec.eval.roles import RoleTurn, load_turns, save_turns, score_role_set, spread_order, turns_cache_path
from chat_rec.index.space import ItemSpace
from chat_rec.llm.base import LLM, Message, until_stop, with_deadline
from chat_rec.llm.recorded import RecordedLLM
from chat_rec.settings import Settings
from tests.helpers import RecordingLLM


class Chunked(LLM):
    """Answers in several chunks, so a caller can stop part-way."""

    name = "chunked"

    def __init__(self) -> None:
        self.calls = 0

    def stream(
        self,
        messages: list[Message],
        schema: Any = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: Any = None,
    ) -> Iterator[str]:
        self.calls += 1
        yield from ["First line", "\nsecond", " line"]


MESSAGES = [{"role": "user", "content": "why this film?"}]


def test_an_answer_is_recorded_once_and_replayed_without_the_backend(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    backend = RecordingLLM("It fits.")
    first = RecordedLLM(backend, path)
    assert first.complete(MESSAGES) == "It fits."
    assert first.complete(MESSAGES) == "It fits."
    assert len(backend.prompts) == 1 and first.recorded == 1 and first.replayed == 1
    # another process, no backend at all: the same answer from the file
    replay = RecordedLLM(None, path)
    assert replay.name == "recording"
    assert replay.complete(MESSAGES) == "It fits."
    # different inputs (here the temperature) are a different call, which replay-only cannot make
    with pytest.raises(LLMError, match="not recorded"):
        replay.complete(MESSAGES, temperature=0.7)
    assert replay.missed == 1


def test_a_call_the_caller_cut_replays_cut(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    backend = Chunked()
    recorded = RecordedLLM(backend, path)
    assert "".join(until_stop(recorded.stream(MESSAGES), ["\n"])) == "First line"
    replay = RecordedLLM(None, path)
    # a caller that stops at the same place gets the same text
    assert "".join(until_stop(replay.stream(MESSAGES), ["\n"])) == "First line"
    # one that reads on finds the end a timed-out call would have had
    with pytest.raises(LLMError, match="cut"):
        "".join(with_deadline(RecordedLLM(None, path).stream(MESSAGES), 60))
    assert backend.calls == 1


def test_every_prefix_of_the_order_is_spread_and_the_order_covers_all() -> None:
    order = spread_order(200)
    assert sorted(order) == list(range(200))
    assert order[:20] == list(range(0, 200, 10))
    assert spread_order(3) == [0, 1, 2]


def test_sampled_turns_round_trip(tmp_path: Path) -> None:
    turn = RoleTurn(
        "a funny heist film", Preferences(include_categories=["Comedy"], year_min=1990), [("a", 0.5)], ["a"]
    )
    save_turns(tmp_path / "t.jsonl", [turn, turn])
    assert load_turns(tmp_path / "t.jsonl") == [turn, turn]


def test_sampled_turns_are_kept_per_ranking_version(tmp_path: Path) -> None:
    """Turns ranked by one ranking are not read back for another: a new ranking samples anew."""
    old = turns_cache_path(tmp_path, "redial", 200, "v6-ltr")
    assert turns_cache_path(tmp_path, "redial", 200, "v6-ltr") == old
    assert turns_cache_path(tmp_path, "redial", 200, "v8-ltr") != old
    assert turns_cache_path(tmp_path, "inspired", 200, "v6-ltr") != old
    assert turns_cache_path(tmp_path, "redial", 200, "../x y").parent == tmp_path


def test_a_role_set_reports_after_every_turn_and_a_stopped_run_shows(
    builtin_settings: Settings, space: ItemSpace, tmp_path: Path
) -> None:
    ids = [item.id for item in space.catalog.items[:8]]
    ranked = [(i, 1.0 - n / 10) for n, i in enumerate(ids)]
    turns = [
        RoleTurn("a funny heist film", Preferences(), ranked, [ids[0]]),
        RoleTurn("", Preferences(), ranked, ["x"]),
    ]
    seen: list[dict[str, Any]] = []
    row = score_role_set(space, turns, builtin_settings, None, "none", progress=seen.append)
    assert [r["partial"] for r in seen] == [True, False] and [r["turns"] for r in seen] == [1, 2]
    assert row["turns"] == 2 and row["recall_shown@3"] == row["recall_ranking@3"] == 0.5  # the first turn's target
    assert row["reasons_shown"] == 6 and row["repeated_reasons"] == 0 and row["prompts"]["reason"].startswith("reason@")
    out = tmp_path / "rows.json"
    out.write_text(json.dumps([{"data": "ReDial", **seen[0]}]), encoding="utf-8")
    result = CliRunner().invoke(app, ["roles", "--show", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and "| ReDial | none (partial) | 1 |" in result.output


def test_only_turns_the_model_answered_live_are_timed(
    builtin_settings: Settings, space: ItemSpace, tmp_path: Path
) -> None:
    ids = [item.id for item in space.catalog.items[:8]]
    ranked = [(i, 1.0 - n / 10) for n, i in enumerate(ids)]
    first = RoleTurn("a funny heist film", Preferences(), ranked, [ids[0]])
    second = RoleTurn("a slow space drama", Preferences(), ranked, [ids[1]])
    path = tmp_path / "answers.jsonl"
    live = score_role_set(space, [first], builtin_settings, RecordedLLM(RecordingLLM("It fits."), path), "explain")
    assert live["timed_turns"] == 1
    # a resumed run: the first turn comes from the file, the second from the model
    resumed = RecordedLLM(RecordingLLM("It fits."), path)
    row = score_role_set(space, [first, second], builtin_settings, resumed, "explain")
    assert resumed.replayed > 0 and resumed.recorded > 0
    assert row["turns"] == 2 and row["timed_turns"] == 1
