"""Forget means forget, and secrets stay out of logs and traces.

``profile forget`` (CLI; the UI's button calls the same ``Store.forget``) removes a user's
turns, shown items, feedback, preferences and traces, and their share of the signals
built from feedback: the next turn of another user ranks exactly as in a world where the
forgotten user never existed. The deleted text is not left in the database files either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from chat_rec.agent.turn import Agent
from chat_rec.index.space import ItemSpace
from chat_rec.log import configure_logging
from chat_rec.memory.store import Store
from chat_rec.settings import Settings
from tests.helpers import RecordingLLM, rec_ids, run_turn

ROOT = Path(__file__).resolve().parents[1]
SECRET = "zqvelvetmarmotxw"


def _alice_and_bob(agent: Agent, with_alice: bool) -> None:
    if with_alice:
        run_turn(agent, f"a funny heist film, I love {SECRET}", user="alice")
        turn, _ = run_turn(agent, "something like Ocean's Eleven with Brad Pitt", user="alice")
        for item_id in rec_ids(turn):
            agent.store.add_feedback("alice", item_id, "like")
        agent.store.add_feedback("alice", "alien-1979", "dislike")
        agent.store.add_feedback("alice", "heat-1995", "seen")
    run_turn(agent, "a tense thriller", user="bob")
    agent.store.add_feedback("bob", "se7en-1995", "like")


def test_forget_removes_everything_and_its_share_of_signals(
    builtin_settings: Settings, space: ItemSpace, tmp_path: Path
) -> None:
    worlds = {}
    for name, with_alice in (("forgotten", True), ("never", False)):
        store = Store(tmp_path / f"{name}.sqlite3")
        recorder = RecordingLLM()
        agent = Agent(builtin_settings, space, store, llm=recorder)
        _alice_and_bob(agent, with_alice)
        worlds[name] = (agent, store, recorder)

    agent, store, recorder = worlds["forgotten"]
    assert store.turns("alice") and store.feedback("alice")["like"] and store.shown_items("alice")
    store.forget("alice")
    # each kind of row, through the store's own reads
    assert store.turns("alice", limit=10**6) == []
    assert store.shown_items("alice") == set()
    assert all(not v for v in store.feedback("alice").values())
    assert all(not v for v in store.preferences("alice").values())
    assert not [r for r in store.feedback_rows() if r["user_id"] == "alice"]
    assert "alice" not in store.users()
    # and in the files: no table, free page or log frame still holds what alice typed
    store.close()
    for path in tmp_path.glob("forgotten.sqlite3*"):
        assert SECRET.encode() not in path.read_bytes(), path.name
    store = Store(tmp_path / "forgotten.sqlite3")
    agent.store = store

    # bob's next turn: nothing of alice at the LLM seam, and ranked as if alice never was
    recorder.prompts.clear()
    after, _ = run_turn(agent, "a crime film from the 90s", user="bob")
    control, _ = run_turn(worlds["never"][0], "a crime film from the 90s", user="bob")
    assert recorder.prompts and not any(SECRET in p or "Ocean" in p for p in recorder.prompts)
    assert after.trace["ranked"] == control.trace["ranked"]  # alice's likes no longer move anything
    assert rec_ids(after) == rec_ids(control)


def test_cli_forget(tmp_path: Path) -> None:
    from chat_rec.cli import _register, app

    _register()
    home = tmp_path / "home"
    store = Store(home / "chat_rec.sqlite3")
    store.add_feedback("carol", "alien-1979", "like")
    store.add_preferences("carol", "like_attr", ["Horror"])
    store.close()
    result = CliRunner().invoke(
        app, ["profile", "forget", "--user", "carol", "--yes"], env={"CHAT_REC_HOME": str(home)}
    )
    assert result.exit_code == 0, result.output
    store = Store(home / "chat_rec.sqlite3")
    assert "carol" not in store.users() and not store.feedback("carol")["like"]


def test_api_key_never_reaches_logs_or_traces(builtin_settings: Settings, space: ItemSpace, tmp_path: Path) -> None:
    """A turn whose model server is down (so the failure is logged and traced) with a key set."""
    key = "sk-test-" + "k3y" * 8
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):
        shutil.copytree(builtin_settings.home / name, home / name)  # built by the ``space`` fixture
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CHAT_REC_HOME": str(home),
        "CHAT_REC_LLM": "openai",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",  # the discard port: nothing listens
        "CHAT_REC_OPENAI_API_KEY": key,
        "CHAT_REC_LLM_TIMEOUT_S": "5",
    }
    done = subprocess.run(
        [sys.executable, "-m", "chat_rec", "ask", "a funny heist film"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert key not in done.stdout + done.stderr
    files = [p for p in home.rglob("*") if p.is_file() and "chroma" not in p.parts]
    assert any(p.name.startswith("chat_rec.sqlite3") for p in files)
    for path in files:
        assert key.encode() not in path.read_bytes(), path
    store = Store(home / "chat_rec.sqlite3")
    turns = [t for u in store.users() for t in store.turns(u)]
    assert turns and all(t.fallback_reason for t in turns if t.kind == "recommend")  # the failure was traced


def test_log_redacts_keys_and_tokens(tmp_path: Path) -> None:
    import logging

    path = configure_logging(tmp_path / "logs-home", ["my-own-key-1234"])
    log = logging.getLogger("chat_rec.test")
    try:
        raise RuntimeError("server said: bad key my-own-key-1234, Authorization: Bearer abcdefghijklmnop")
    except RuntimeError:
        log.error("call failed with sk-abcdefghijklmnopqrstu", exc_info=True)
    for handler in logging.getLogger("chat_rec").handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "call failed" in text and "RuntimeError" in text
    for secret in ("my-own-key-1234", "abcdefghijklmnop", "sk-abcdefghijklmnopqrstu"):
        assert secret not in text
