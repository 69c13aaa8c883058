"""Many users at once on one shared SQLite store: threads on one Agent (as the UI runs),
and processes with their own Agents on the same home.

Each user types a secret word in every message. At the LLM seam, in every stored turn
(message, reply, trace) and in every profile, a user's secret appears only in that
user's own data; the feedback rows in the database equal the clicks sent, none lost or
doubled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chat_rec.agent.turn import Agent
from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store
from chat_rec.settings import Settings
from tests.concurrent_worker import SeamRecorder, run_users, secret

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _check_isolation(store: Store, result: dict[str, Any], users: list[str], turns: int, feedback: int) -> None:
    assert result["errors"] == []
    secrets = {u: secret(u) for u in users}
    assert len(set(secrets.values())) == len(users)
    for user in users:
        others = [s for u, s in secrets.items() if u != user]
        prompts = result["prompts"].get(user, [])
        assert prompts, f"{user}: the LLM was never asked"
        assert all(secrets[user] in p for p in prompts)  # the seam saw this user's own turn
        assert not any(o in p for p in prompts for o in others), f"{user}'s prompt holds another user's words"
        stored = store.turns(user, limit=10**6)
        assert len(stored) == turns
        for turn in stored:
            blob = json.dumps([turn.message, turn.reply, turn.trace, turn.preferences])
            assert secrets[user] in turn.message and not any(o in blob for o in others)
        profile = json.dumps(store.preferences(user))
        assert not any(o in profile for o in others)
    rows = store.feedback_rows()
    for user in users:
        assert sum(1 for r in rows if r["user_id"] == user) == feedback == result["sent"][user]


def test_eight_users_in_threads_share_one_agent(builtin_settings: Settings, space: ItemSpace, tmp_path: Path) -> None:
    store = Store(tmp_path / "shared.sqlite3")
    agent = Agent(builtin_settings, space, store, llm=None)
    recorder = SeamRecorder()
    agent.llm = recorder
    users = [f"thread-user-{k}" for k in range(8)]
    result = run_users(agent, recorder, users, turns=20, feedback=25)
    _check_isolation(store, result, users, turns=20, feedback=25)


def test_users_in_three_processes_share_one_store(builtin_settings: Settings, space: ItemSpace, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):  # the session's built index
        shutil.copytree(builtin_settings.home / name, home / name)  # built by the ``space`` fixture
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CHAT_REC_HOME": str(home)}
    procs = []
    for p in range(3):
        out = tmp_path / f"proc{p}.json"
        cmd = [sys.executable, str(ROOT / "tests" / "concurrent_worker.py"), str(home), str(out), f"proc{p}-user-"]
        procs.append((subprocess.Popen([*cmd, "3", "10", "20"], env=env), out))
    merged: dict[str, Any] = {"errors": [], "prompts": {}, "sent": {}}
    for proc, out in procs:
        assert proc.wait(timeout=900) == 0
        part = json.loads(out.read_text(encoding="utf-8"))
        merged["errors"] += part["errors"]
        merged["prompts"].update(part["prompts"])
        merged["sent"].update(part["sent"])
    users = [f"proc{p}-user-{k}" for p in range(3) for k in range(3)]
    store = Store(home / "chat_rec.sqlite3")
    _check_isolation(store, merged, users, turns=10, feedback=20)
