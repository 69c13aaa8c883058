"""API tokens in the real SQLite store, and an older store file migrating without loss."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chat_rec.memory.migrations import MIGRATIONS
from chat_rec.memory.store import Store, TurnRecord
from chat_rec.memory.tokens import Tokens, token_hash
from chat_rec.serve.ratelimit import RateLimiter


def test_tokens_are_stored_hashed_and_revocable(store: Store) -> None:
    tokens = Tokens(store)
    alice, secret = tokens.create("alice", label="laptop")
    admin, admin_secret = tokens.create("ops", admin=True)
    assert secret.startswith("crk_") and len(secret) > 40 and secret != admin_secret
    raw = store.db.execute("SELECT token_hash FROM api_tokens").fetchall()
    assert {r[0] for r in raw} == {token_hash(secret), token_hash(admin_secret)}
    assert secret not in str([tuple(r) for r in store.db.execute("SELECT * FROM api_tokens")])
    assert tokens.verify(secret) == alice and not alice.admin
    assert tokens.verify(admin_secret) == admin and admin.admin
    assert tokens.verify(secret + "x") is None
    assert tokens.revoke(alice.id) and not tokens.revoke(alice.id)
    assert tokens.verify(secret) is None and tokens.verify(admin_secret) is not None
    store.forget("ops")  # forgetting a profile does not sign its owner out
    assert tokens.verify(admin_secret) is not None


def test_conversations_belong_to_one_user(store: Store) -> None:
    conv = store.start_conversation("ann")
    assert store.has_conversation("ann", conv) and not store.has_conversation("bob", conv)
    store.record_turn(TurnRecord("bob", "ui-conv", "hi", "hello", "clarify"))
    assert store.has_conversation("bob", "ui-conv") and not store.has_conversation("ann", "ui-conv")


def test_a_store_from_before_tokens_migrates_without_losing_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    for number, sql in enumerate(MIGRATIONS[:2], start=1):  # the schema as released before tokens
        old.executescript(f"BEGIN; {sql}; PRAGMA user_version = {number}; COMMIT;")
    old.execute("INSERT INTO users(id) VALUES ('ann')")
    old.execute(
        "INSERT INTO turns(user_id, conversation_id, message, reply, kind, grounded) VALUES ('ann', 'c1', 'hi', 'yo', 'recommend', 1)"
    )
    old.execute("INSERT INTO recommendations VALUES (1, 'ann', 'jaws-1975', 0, 'sharks')")
    old.execute("INSERT INTO feedback(user_id, item_id, kind, turn_id) VALUES ('ann', 'jaws-1975', 'like', 1)")
    old.execute("INSERT INTO preferences(user_id, kind, value) VALUES ('ann', 'like_attr', 'Horror')")
    old.commit()
    old.close()

    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert store.turns("ann")[0].recommendations == [("jaws-1975", "sharks")]
        assert store.feedback("ann")["like"] == {"jaws-1975"}
        assert store.preferences("ann")["like_attr"] == ["Horror"]
        assert store.has_conversation("ann", "c1")
        Tokens(store).create("ann")
    finally:
        store.close()


def test_rate_limiter_refills_over_time() -> None:
    limiter = RateLimiter(per_minute=600, burst=3)  # 10 per second
    assert [limiter.take(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take(1)
    assert 0 < wait <= 0.1
    assert limiter.take(2) == 0.0  # buckets are per token
    assert RateLimiter(per_minute=0, burst=1).take(1) == 0.0
