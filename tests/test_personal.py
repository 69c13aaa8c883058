"""Scripted multi-turn conversations: every signal visibly changes the next answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from chat_rec.agent.retrieve import UserContext
from chat_rec.agent.turn import Agent
from chat_rec.memory.store import Store
from tests.helpers import RecordingLLM, rec_ids, run_turn


def _rank_of(agent: Agent, user: str, message: str, item_id: str, without: str = "") -> int:
    prefs = agent.understand(message, [])
    ranked = [i for i, _ in agent.rank_for(prefs, agent.user_context(user, "probe")).ranked if i != without]
    return ranked.index(item_id) if item_id in ranked else len(ranked)


def _id(agent: Agent, title: str) -> str:
    return agent.space.linker.link(title)[0].item_id


def test_liked_title_moves_similar_items_up(agent: Agent) -> None:
    neighbour = _id(agent, "Toy Story 2")
    before = _rank_of(agent, "ann", "a film to watch tonight", neighbour)
    agent.store.add_feedback("ann", _id(agent, "Toy Story"), "like")
    after = _rank_of(agent, "ann", "a film to watch tonight", neighbour)
    assert after < before


def test_dislike_pushes_similar_items_down(agent: Agent) -> None:
    similar = _id(agent, "The Two Towers")
    disliked = _id(agent, "The Fellowship of the Ring")
    before = _rank_of(agent, "dan", "an epic fantasy adventure", similar, without=disliked)  # it leaves the list
    agent.store.add_feedback("dan", disliked, "dislike")
    after = _rank_of(agent, "dan", "an epic fantasy adventure", similar)
    assert after > before


def test_seen_item_disappears(agent: Agent) -> None:
    first, _ = run_turn(agent, "a space adventure", user="sam", conversation="a")
    seen = rec_ids(first)[0]
    agent.store.add_feedback("sam", seen, "seen")
    for conversation in ("b", "c"):
        turn, _ = run_turn(agent, "a space adventure", user="sam", conversation=conversation)
        assert seen not in rec_ids(turn)


def test_not_horror_removes_horror_and_persists_in_refinement(agent: Agent) -> None:
    turn, _ = run_turn(agent, "something creepy and tense, but not horror", user="h")
    assert all("Horror" not in agent.catalog.categories(agent.catalog.by_id[i]) for i in rec_ids(turn))
    again, _ = run_turn(agent, "something darker", user="h")
    assert all("Horror" not in agent.catalog.categories(agent.catalog.by_id[i]) for i in rec_ids(again))


def test_more_like_the_second_one_anchors_on_it(agent: Agent) -> None:
    first, _ = run_turn(agent, "a heist film", user="m")
    second_item = rec_ids(first)[1]
    prefs = agent.understand("more like the second one", agent.store.turns("m", "c1"))
    assert prefs.anchor_items == [second_item]
    turn, _ = run_turn(agent, "more like the second one", user="m")
    anchor = agent.space.vector(second_item)
    sims = [float(agent.space.vector(i) @ anchor) for i in rec_ids(turn)]
    assert max(sims) > 0.4


def test_not_that_one_and_older(agent: Agent) -> None:
    first, _ = run_turn(agent, "a romantic comedy", user="o")
    turn, _ = run_turn(agent, "older ones please", user="o")
    oldest = min(agent.catalog.year(agent.catalog.by_id[i]) or 0 for i in rec_ids(first))
    assert all((agent.catalog.year(agent.catalog.by_id[i]) or 9999) < oldest for i in rec_ids(turn))
    prefs = agent.understand("not the first one", agent.store.turns("o", "c1"))
    assert rec_ids(turn)[0] in prefs.disliked_items


def test_profile_survives_restart_and_forget_deletes(agent: Agent, tmp_path: Path) -> None:
    path = agent.store.path
    run_turn(agent, "something like Arrival", user="r")
    agent.store.add_feedback("r", _id(agent, "Alien"), "like")
    reopened = Store(path)
    assert _id(agent, "Arrival") in reopened.preferences("r")["like_item"]
    assert _id(agent, "Alien") in reopened.feedback("r")["like"]
    reopened.forget("r")
    for table in ("turns", "recommendations", "feedback", "preferences"):
        assert reopened.db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = 'r'").fetchone()[0] == 0
    assert "r" not in reopened.users()


def test_users_are_isolated(agent: Agent) -> None:
    """One user's data never enters another user's prompt (recorded at the LLM seam)."""
    recorder = RecordingLLM()
    agent.llm = recorder
    agent.store.add_feedback("alice", _id(agent, "Alien"), "seen")
    run_turn(agent, "I love The Matrix and Keanu Reeves, something with hackers", user="alice")
    assert recorder.prompts and "hackers" in recorder.prompts[0]
    recorder.prompts.clear()
    assert agent.user_context("bob", "c1") == UserContext(liked=[], disliked=[], excluded=set())
    run_turn(agent, "a gentle family film", user="bob")
    assert recorder.prompts
    assert not any("hackers" in p or "Matrix" in p or "Keanu" in p for p in recorder.prompts)
    assert all(t.user_id == "bob" for t in agent.store.turns("bob"))


def test_cli_profile_feedback_roundtrip(tmp_path: Path, builtin_settings: object) -> None:
    env = {**os.environ, "CHAT_REC_HOME": str(tmp_path), "CHAT_REC_LLM": "none"}
    exe = [sys.executable, "-m", "chat_rec"]
    out = subprocess.run(
        [*exe, "feedback", "arrival-2016", "--user", "u", "--like"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    shown = subprocess.run([*exe, "profile", "show", "--user", "u", "--json"], env=env, capture_output=True, text=True)
    assert "Arrival (2016)" in json.loads(shown.stdout)["liked_items"]
    bad = subprocess.run(
        [*exe, "feedback", "no-such-item", "--user", "u", "--seen"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "no item" in bad.stderr
    subprocess.run([*exe, "profile", "forget", "--user", "u", "--yes"], env=env, check=True, capture_output=True)
    shown = subprocess.run([*exe, "profile", "show", "--user", "u", "--json"], env=env, capture_output=True, text=True)
    assert json.loads(shown.stdout)["liked_items"] == []
