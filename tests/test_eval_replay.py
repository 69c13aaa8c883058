"""Replay of eval/cases through Agent.turn: assertions, traces, metrics, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chat_rec.agent.turn import Agent
from chat_rec.eval.replay import replay, write_run
from chat_rec.eval.transcript import load_many, parse_conversation

CASES = Path(__file__).resolve().parents[1] / "eval" / "cases"


def test_builtin_cases_pass_without_llm(agent: Agent, tmp_path: Path) -> None:
    conversations = load_many([CASES])
    result = replay(conversations, agent.settings, agent.space, None, agent.signals)
    assert result.failures == [], result.failures
    m = result.metrics
    assert m["grounded_rate"] == 1.0
    assert m["assertion_pass_rate"] == 1.0
    assert m["faithfulness"] is None  # no LLM wrote a reason
    assert m["n_turns"] == sum(1 for c in conversations for t in c.turns if t.role == "user")
    assert m["total_ms_p50"] is not None and m["total_ms_p95"] >= m["total_ms_p50"]
    run = write_run(result, tmp_path / "run")
    rows = [json.loads(line) for line in (run / "traces.jsonl").read_text().splitlines()]
    assert len(rows) == m["n_turns"]
    assert all({"key", "recommendations", "timings", "metrics", "failures"} <= set(r) for r in rows)
    assert json.loads((run / "metrics.json").read_text())["run"]["llm"] == "none"
    page = (run / "report.html").read_text()
    assert "data:image/png;base64," in page and "PASS" in page
    assert "grounded_rate" in (run / "report.md").read_text()


def test_seen_feedback_excludes_the_item(agent: Agent) -> None:
    conv = parse_conversation(
        {
            "id": "seen",
            "turns": [
                {"role": "user", "text": "a tense science fiction thriller"},
                {"role": "feedback", "kind": "seen", "item": "Children of Men"},
                {"role": "user", "text": "more like those", "expect": {"must_not_recommend": ["children-of-men-2006"]}},
            ],
        }
    )
    result = replay([conv], agent.settings, agent.space, None)
    assert result.ok, result.failures
    assert "children-of-men-2006" not in result.traces[1]["recommendations_ids"]


def test_failing_assertions_are_listed_with_turn_and_reason(agent: Agent, tmp_path: Path) -> None:
    conv = parse_conversation(
        {
            "id": "wrong",
            "turns": [
                {"role": "user", "text": "hi, recommend me something", "expect": {"must_ask_clarifying": False}},
                {
                    "role": "user",
                    "text": "a comedy from the 80s",
                    "expect": {
                        "year_max": 1969,
                        "must_recommend_any": ["Alien"],
                        "must_not_recommend": ["No Such Film Xyz"],
                    },
                },
            ],
        }
    )
    result = replay([conv], agent.settings, agent.space, None)
    assert not result.ok
    reasons = [(f["turn"], f["reason"]) for f in result.failures]
    assert any(turn == 1 and "clarifying question" in r for turn, r in reasons)
    assert any(turn == 2 and r.startswith("year_max:") for turn, r in reasons)
    assert any(turn == 2 and r.startswith("must_recommend_any:") for turn, r in reasons)
    assert any("not a catalog id or a known title" in r for _, r in reasons)
    run = write_run(result, tmp_path / "run")
    page = (run / "report.html").read_text()
    assert 'href="#turn-wrong-2"' in page and 'id="turn-wrong-2"' in page  # failing turns are linked


@pytest.mark.model
def test_builtin_cases_pass_with_the_local_model(llm_agent: Agent, tmp_path: Path) -> None:
    # the adversarial set has model runs of its own (tests/test_reliability_adversarial.py)
    conversations = load_many([CASES / "basics.jsonl"])
    result = replay(conversations, llm_agent.settings, llm_agent.space, llm_agent.llm, llm_agent.signals)
    assert result.failures == [], result.failures
    m = result.metrics
    assert m["grounded_rate"] == 1.0
    assert m["run"]["llm"].startswith("llamacpp")
    assert m["faithfulness"] is not None
    write_run(result, tmp_path / "run")
    assert (tmp_path / "run" / "report.html").exists()


def test_cli_replay_exits_non_zero_on_failure(
    session_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, space: object
) -> None:
    from typer.testing import CliRunner

    from chat_rec.cli.eval import app

    monkeypatch.setenv("CHAT_REC_HOME", str(session_home))  # the index the session already built
    cases = tmp_path / "cases.jsonl"
    ok = {"id": "ok", "turns": [{"role": "user", "text": "a comedy from the 80s", "expect": {"year_min": 1980}}]}
    bad = {"id": "bad", "turns": [{"role": "user", "text": "a comedy from the 80s", "expect": {"year_max": 1950}}]}
    cases.write_text(json.dumps(ok) + "\n")
    result = CliRunner().invoke(app, ["replay", str(cases), "--llm", "none", "-q", "--out", str(tmp_path / "ok")])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output
    cases.write_text(json.dumps(ok) + "\n" + json.dumps(bad) + "\n")
    result = CliRunner().invoke(app, ["replay", str(cases), "--llm", "none", "-q", "--out", str(tmp_path / "bad")])
    assert result.exit_code == 1
    assert "FAIL bad#1" in result.output and "year_max" in result.output
    assert (tmp_path / "bad" / "report.html").exists()
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "ok"), str(tmp_path / "bad")])
    assert result.exit_code == 0, result.output
    assert "paired turns" in result.output


def test_language_and_series_assertions_fail_when_they_should(agent: Agent) -> None:
    from chat_rec.eval.replay import check_expect
    from chat_rec.eval.transcript import Expect
    from chat_rec.memory.store import TurnRecord

    def fails(expect: dict[str, object], picks: list[str]) -> list[str]:
        record = TurnRecord("u", "c", "m", "r", "recommend", recommendations=[(i, "") for i in picks])
        return check_expect(Expect.model_validate(expect), record, agent.catalog, lambda ref: ref)

    toy_stories = ["toy-story-2-1999", "toy-story-3-2010", "up-2009"]
    assert fails({"max_per_series": 1}, toy_stories) == [
        "max_per_series: 2 picks of one series (Toy Story 2 (1999) [toy-story-2-1999], Toy Story 3 (2010) [toy-story-3-2010])"
    ]
    assert fails({"max_per_series": 2}, toy_stories) == []
    assert fails({"max_per_series": 1}, ["frozen-2013", "up-2009"]) == []
    assert fails({"categories_include": ["comedy", "Horror"]}, ["up-2009", "oldboy-2003"]) == [
        "categories_include: Oldboy (2003) [oldboy-2003] is none of comedy, Horror"
    ]
    korean = fails({"languages_exclude": ["korean"]}, ["oldboy-2003", "up-2009"])
    assert korean == ["languages_exclude: Oldboy (2003) [oldboy-2003] is in Korean"]
    record = TurnRecord("u", "c", "m", 'I couldn\'t find "The Office" in the catalog.', "clarify")
    check = Expect.model_validate({"reply_contains": ["COULDN'T FIND", "Breaking Bad"]})
    assert check_expect(check, record, agent.catalog, lambda ref: ref) == [
        "reply_contains: 'Breaking Bad' is not in the reply 'I couldn\\'t find \"The Office\" in the catalog.'"
    ]
