"""Per-user memory in SQLite: turns, what was shown, feedback, stated preferences.

One row per turn (with the prompt and ranking versions that produced it), one row per
shown item, one row per feedback event. Deleting a user deletes all of it.

Deliberately left out: PostgreSQL (the seam is this class) and encryption at rest.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chat_rec.errors import StoreError
from chat_rec.memory.migrations import migrate

FEEDBACK_KINDS = ("like", "dislike", "seen")


@dataclass
class TurnRecord:
    user_id: str
    conversation_id: str
    message: str
    reply: str
    kind: str
    recommendations: list[tuple[str, str]] = field(default_factory=list)  # (item_id, reason)
    prompt_name: str | None = None
    prompt_version: str | None = None
    prompt_hash: str | None = None
    ranking_version: str | None = None
    llm: str | None = None
    grounded: bool = True
    fallback_reason: str | None = None
    preferences: dict[str, Any] = field(default_factory=dict)
    trace: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self._lock = threading.RLock()
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def ping(self) -> None:
        """Open the database afresh and read from it; raise :class:`StoreError` when that fails.

        A fresh connection, because the open one keeps working on a file that was moved
        or deleted under it."""
        try:
            probe = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=2)
            try:
                probe.execute("SELECT COUNT(*) FROM users").fetchone()
            finally:
                probe.close()
        except sqlite3.Error as exc:
            raise StoreError(f"the store at {self.path} cannot be read: {exc}") from exc

    # users -------------------------------------------------------------------
    def ensure_user(self, user_id: str) -> None:
        with self._lock, self.db:
            self.db.execute("INSERT OR IGNORE INTO users(id) VALUES (?)", (user_id,))

    def users(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM users ORDER BY created_at, id")]

    def forget(self, user_id: str) -> None:
        """Delete everything stored about a user (cascades to all their rows)."""
        with self._lock, self.db:
            self.db.execute("DELETE FROM recommendations WHERE user_id = ?", (user_id,))
            self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))

    # conversations -------------------------------------------------------------
    def start_conversation(self, user_id: str) -> str:
        """A new conversation id of ``user_id`` (ids are per user: two users never share one)."""
        conversation_id = "c-" + secrets.token_hex(8)
        self.ensure_user(user_id)
        with self._lock, self.db:
            self.db.execute("INSERT INTO conversations(user_id, id) VALUES (?, ?)", (user_id, conversation_id))
        return conversation_id

    def has_conversation(self, user_id: str, conversation_id: str) -> bool:
        """Started with :meth:`start_conversation`, or holding a turn of this user."""
        row = self.db.execute(
            """SELECT 1 FROM conversations WHERE user_id = ? AND id = ?
               UNION ALL SELECT 1 FROM turns WHERE user_id = ? AND conversation_id = ? LIMIT 1""",
            (user_id, conversation_id, user_id, conversation_id),
        ).fetchone()
        return row is not None

    # turns ---------------------------------------------------------------------
    def record_turn(self, turn: TurnRecord) -> int:
        self.ensure_user(turn.user_id)
        with self._lock, self.db:
            cur = self.db.execute(
                """INSERT INTO turns(user_id, conversation_id, message, reply, kind, prompt_name, prompt_version,
                   prompt_hash, ranking_version, llm, grounded, fallback_reason, preferences_json, trace_json)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    turn.user_id,
                    turn.conversation_id,
                    turn.message,
                    turn.reply,
                    turn.kind,
                    turn.prompt_name,
                    turn.prompt_version,
                    turn.prompt_hash,
                    turn.ranking_version,
                    turn.llm,
                    int(turn.grounded),
                    turn.fallback_reason,
                    json.dumps(turn.preferences, default=str),
                    json.dumps(turn.trace, default=str),
                ),
            )
            turn_id = int(cur.lastrowid or 0)
            self.db.executemany(
                "INSERT INTO recommendations(turn_id, user_id, item_id, position, reason) VALUES (?, ?, ?, ?, ?)",
                [(turn_id, turn.user_id, item, pos, reason) for pos, (item, reason) in enumerate(turn.recommendations)],
            )
        turn.id = turn_id
        return turn_id

    def turns(self, user_id: str, conversation_id: str | None = None, limit: int = 20) -> list[TurnRecord]:
        sql = "SELECT * FROM turns WHERE user_id = ?"
        args: list[Any] = [user_id]
        if conversation_id is not None:
            sql += " AND conversation_id = ?"
            args.append(conversation_id)
        rows = list(self.db.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]))
        out = []
        for row in reversed(rows):
            recs = self.db.execute(
                "SELECT item_id, reason FROM recommendations WHERE turn_id = ? ORDER BY position", (row["id"],)
            ).fetchall()
            out.append(
                TurnRecord(
                    id=row["id"],
                    user_id=row["user_id"],
                    conversation_id=row["conversation_id"],
                    message=row["message"],
                    reply=row["reply"],
                    kind=row["kind"],
                    recommendations=[(r[0], r[1]) for r in recs],
                    prompt_name=row["prompt_name"],
                    prompt_version=row["prompt_version"],
                    prompt_hash=row["prompt_hash"],
                    ranking_version=row["ranking_version"],
                    llm=row["llm"],
                    grounded=bool(row["grounded"]),
                    fallback_reason=row["fallback_reason"],
                    preferences=json.loads(row["preferences_json"]),
                    trace=json.loads(row["trace_json"]),
                )
            )
        return out

    def shown_items(self, user_id: str, conversation_id: str | None = None) -> set[str]:
        sql = "SELECT r.item_id FROM recommendations r JOIN turns t ON t.id = r.turn_id WHERE r.user_id = ?"
        args: list[Any] = [user_id]
        if conversation_id is not None:
            sql += " AND t.conversation_id = ?"
            args.append(conversation_id)
        return {r[0] for r in self.db.execute(sql, args)}

    # feedback ----------------------------------------------------------------
    def add_feedback(self, user_id: str, item_id: str, kind: str, turn_id: int | None = None) -> None:
        if kind not in FEEDBACK_KINDS:
            raise StoreError(f"unknown feedback kind {kind!r}", f"Use one of {FEEDBACK_KINDS}.")
        self.ensure_user(user_id)
        if turn_id is None:  # attribute the feedback to the latest turn that showed the item
            row = self.db.execute(
                "SELECT turn_id FROM recommendations WHERE user_id = ? AND item_id = ? ORDER BY turn_id DESC LIMIT 1",
                (user_id, item_id),
            ).fetchone()
            turn_id = row[0] if row else None
        version = None
        if turn_id is not None:
            row = self.db.execute("SELECT prompt_version FROM turns WHERE id = ?", (turn_id,)).fetchone()
            version = row[0] if row else None
        with self._lock, self.db:
            if kind in ("like", "dislike"):  # a new opinion replaces the old one
                self.db.execute(
                    "DELETE FROM feedback WHERE user_id = ? AND item_id = ? AND kind IN ('like', 'dislike')",
                    (user_id, item_id),
                )
            self.db.execute(
                "INSERT INTO feedback(user_id, item_id, kind, turn_id, prompt_version) VALUES (?, ?, ?, ?, ?)",
                (user_id, item_id, kind, turn_id, version),
            )

    def remove_feedback(self, user_id: str, item_id: str, kind: str) -> None:
        with self._lock, self.db:
            self.db.execute(
                "DELETE FROM feedback WHERE user_id = ? AND item_id = ? AND kind = ?", (user_id, item_id, kind)
            )

    def feedback(self, user_id: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {k: set() for k in FEEDBACK_KINDS}
        for item_id, kind in self.db.execute("SELECT item_id, kind FROM feedback WHERE user_id = ?", (user_id,)):
            out[kind].add(item_id)
        return out

    def feedback_stamp(self) -> tuple[int, int]:
        """(rows, newest id) of all feedback: changes whenever any user's feedback does."""
        count, newest = self.db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM feedback").fetchone()
        return int(count), int(newest)

    def feedback_rows(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT f.user_id, f.item_id, f.kind, f.turn_id, f.prompt_version, f.created_at FROM feedback f ORDER BY f.id"
        )
        return [dict(r) for r in rows]

    # stated preferences ------------------------------------------------------
    def add_preferences(self, user_id: str, kind: str, values: Iterable[str], turn_id: int | None = None) -> None:
        self.ensure_user(user_id)
        opposite = {
            "like_item": "dislike_item",
            "dislike_item": "like_item",
            "like_attr": "dislike_attr",
            "dislike_attr": "like_attr",
        }
        with self._lock, self.db:
            for value in values:
                self.db.execute(
                    "DELETE FROM preferences WHERE user_id = ? AND kind = ? AND value = ?",
                    (user_id, opposite[kind], value),
                )
                self.db.execute(
                    "INSERT OR REPLACE INTO preferences(user_id, kind, value, turn_id) VALUES (?, ?, ?, ?)",
                    (user_id, kind, value, turn_id),
                )

    def remove_preference(self, user_id: str, kind: str, value: str) -> None:
        with self._lock, self.db:
            self.db.execute(
                "DELETE FROM preferences WHERE user_id = ? AND kind = ? AND value = ?", (user_id, kind, value)
            )

    def preferences(self, user_id: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"like_item": [], "dislike_item": [], "like_attr": [], "dislike_attr": []}
        for kind, value in self.db.execute(
            "SELECT kind, value FROM preferences WHERE user_id = ? ORDER BY created_at, value", (user_id,)
        ):
            out.setdefault(kind, []).append(value)
        return out
