"""The store's behaviour on both backends: SQLite (a file) and PostgreSQL (a real server).

PostgreSQL comes from ``scripts/postgres.sh``; its cases skip with the reason when it
cannot be started here.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_rec.errors import StoreError
from chat_rec.memory.migrations import head, migrate
from chat_rec.memory.store import Store, TurnRecord
from chat_rec.memory.tokens import Tokens
from tests.pg import fresh_database
from tests.serve_process import ROOT


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite3")
    else:
        yield from fresh_database()


@pytest.fixture
def db(target: str) -> Iterator[Store]:
    store = Store(target)
    yield store
    store.close()


def _turn(user: str, conv: str, items: list[str]) -> TurnRecord:
    return TurnRecord(user, conv, "hi", "reply", "recommend", [(i, f"why {i}") for i in items], prompt_version="v1")


def test_turns_feedback_and_preferences(db: Store) -> None:
    first = db.record_turn(_turn("ann", "c1", ["a", "b"]))
    second = db.record_turn(_turn("ann", "c2", ["c"]))
    assert second > first
    assert [t.id for t in db.turns("ann")] == [first, second]
    assert db.turn_owner(first) == "ann" and db.turn_owner(second + 1) is None
    assert db.turns("ann", "c1")[0].recommendations == [("a", "why a"), ("b", "why b")]
    assert db.shown_items("ann", "c1") == {"a", "b"} and db.shown_items("ann") == {"a", "b", "c"}
    db.add_feedback("ann", "a", "like")
    assert db.feedback_rows()[0]["turn_id"] == first and db.feedback_rows()[0]["prompt_version"] == "v1"
    db.add_feedback("ann", "a", "dislike")  # a new opinion replaces the old one
    db.add_feedback("ann", "c", "seen")
    assert db.feedback("ann") == {"like": set(), "dislike": {"a"}, "seen": {"c"}}
    assert db.feedback_stamp()[0] == 2
    db.remove_feedback("ann", "c", "seen")
    assert db.feedback("ann")["seen"] == set()
    db.add_preferences("ann", "like_attr", ["Comedy", "Heist"])
    db.add_preferences("ann", "like_attr", ["Comedy"])  # stated twice: kept once
    db.add_preferences("ann", "dislike_attr", ["Heist"])  # the opposite replaces it
    assert db.preferences("ann")["like_attr"] == ["Comedy"] and db.preferences("ann")["dislike_attr"] == ["Heist"]
    db.remove_preference("ann", "like_attr", "Comedy")
    assert db.preferences("ann")["like_attr"] == []
    with pytest.raises(StoreError):
        db.add_feedback("ann", "a", "love")


def test_forget_deletes_everything_of_one_user(db: Store) -> None:
    for user in ("ann", "bob"):
        db.record_turn(_turn(user, "c1", ["a"]))
        db.add_feedback(user, "a", "like")
        db.add_preferences(user, "like_item", ["a"])
        db.start_conversation(user)
    db.forget("ann")
    assert db.users() == ["bob"]
    assert db.turns("ann") == [] and db.shown_items("ann") == set() and db.feedback("ann")["like"] == set()
    assert db.preferences("ann")["like_item"] == []
    for table in ("turns", "recommendations", "feedback", "preferences", "conversations"):
        assert db.db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", ("ann",)).fetchone()[0] == 0
        assert db.db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", ("bob",)).fetchone()[0] == 1


def test_tokens_and_conversations(db: Store) -> None:
    tokens = Tokens(db)
    token, secret = tokens.create("ann", admin=True)
    assert tokens.verify(secret) == token and tokens.list() == [token]
    assert tokens.revoke(token.id) and tokens.verify(secret) is None
    conv = db.start_conversation("ann")
    assert db.has_conversation("ann", conv) and not db.has_conversation("bob", conv)


def test_migrating_twice_changes_nothing(db: Store, target: str) -> None:
    db.record_turn(_turn("ann", "c1", ["a"]))
    assert migrate(db.engine) == head()
    again = Store(target)
    assert [t.recommendations for t in again.turns("ann")] == [[("a", "why a")]]
    again.close()


def test_writers_in_other_processes_are_seen_at_once(db: Store, target: str) -> None:
    """Feedback written by other processes counts from this process's next read (no cache)."""
    before = db.feedback_stamp()
    script = (
        "import sys; from chat_rec.memory.store import Store; s = Store(sys.argv[1]);"
        "[s.add_feedback(f'p{sys.argv[2]}', f'item{i}', 'like') for i in range(20)]"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, target, str(n)], env={"PYTHONPATH": str(ROOT)})
        for n in range(3)
    ]
    threads = [threading.Thread(target=lambda n=n: db.add_feedback(f"t{n}", "x", "seen")) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert db.feedback_stamp()[0] == before[0] + 65
    rows = db.feedback_rows()
    assert len({(r["user_id"], r["item_id"], r["kind"]) for r in rows}) == len(rows) == 65


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="opening the store") as refused:
        Store("postgresql://chatrec@127.0.0.1:9/nowhere")
    assert "CHAT_REC_DATABASE_URL" in refused.value.hint
    store = Store(tmp_path / "s.sqlite3")
    (tmp_path / "s.sqlite3").rename(tmp_path / "gone.sqlite3")
    with pytest.raises(StoreError, match="reading the store") as gone:
        store.ping()
    assert str(tmp_path) in gone.value.hint
