"""Numbered SQLite migrations. Append a new entry; never edit a released one.

``PRAGMA user_version`` records how many have run.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: turns, what each turn showed, and feedback on it
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        message TEXT NOT NULL,
        reply TEXT NOT NULL,
        kind TEXT NOT NULL,              -- recommend | clarify | chat
        prompt_name TEXT,
        prompt_version TEXT,
        prompt_hash TEXT,
        ranking_version TEXT,
        llm TEXT,
        grounded INTEGER NOT NULL,
        fallback_reason TEXT,
        preferences_json TEXT NOT NULL DEFAULT '{}',
        trace_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX turns_user ON turns(user_id, conversation_id, id);
    CREATE TABLE recommendations (
        turn_id INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (turn_id, position)
    );
    CREATE INDEX recommendations_user ON recommendations(user_id, item_id);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('like', 'dislike', 'seen')),
        turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
        prompt_version TEXT,
        created_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE INDEX feedback_user ON feedback(user_id, item_id);
    """,
    # 2: explicit preferences the user stated or edited in the profile
    """
    CREATE TABLE preferences (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,              -- like_item | dislike_item | like_attr | dislike_attr
        value TEXT NOT NULL,
        turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        PRIMARY KEY (user_id, kind, value)
    );
    """,
    # 3: conversations started through the API, and API tokens (only their sha256 is kept)
    """
    CREATE TABLE conversations (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        PRIMARY KEY (user_id, id)
    );
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,           -- no foreign key: forgetting a profile keeps its sign-in
        admin INTEGER NOT NULL DEFAULT 0,
        token_hash TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        revoked_at TEXT
    );
    """,
]


def migrate(db: sqlite3.Connection) -> int:
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in enumerate(MIGRATIONS[current:], start=current + 1):
        with db:
            db.executescript(f"BEGIN; {sql}; PRAGMA user_version = {number}; COMMIT;")
    return len(MIGRATIONS)
