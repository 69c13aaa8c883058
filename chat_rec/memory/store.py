"""Per-user memory: turns, what was shown, feedback, stated preferences.

One row per turn (with the prompt and ranking versions that produced it), one row per
shown item, one row per feedback event. Deleting a user deletes all of it.

The database is SQLite under ``CHAT_REC_HOME`` by default (WAL, so the UI, the CLI and
API workers on one machine share it), or PostgreSQL when ``Store`` gets a
``postgresql://`` URL (``CHAT_REC_DATABASE_URL``), so app processes on several machines
share one database. SQLAlchemy 2 Core runs the same SQL on both; the schema is Alembic
migrations (:mod:`chat_rec.memory.migrations`).

Deliberately left out: encryption at rest, and an ORM (the rows are simple; plain SQL
is easier to read).
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from chat_rec.errors import StoreError
from chat_rec.memory.engine import RawSQL, database_url, make_engine, short
from chat_rec.memory.migrations import migrate

FEEDBACK_KINDS = ("like", "dislike", "seen")
MIN_FREE_BYTES = 512 * 1024  # a turn with its trace is a few KB; below this a write is refused
log = logging.getLogger(__name__)
OPPOSITE = {
    "like_item": "dislike_item",
    "dislike_item": "like_item",
    "like_attr": "dislike_attr",
    "dislike_attr": "like_attr",
}


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
    def __init__(self, path: Path | str) -> None:
        self.url = database_url(path)
        self.path = Path(path) if "://" not in str(path) else Path(sa.make_url(self.url).database or "")
        try:
            if self.url.startswith("sqlite"):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = make_engine(self.url)
            migrate(self.engine)
        except (OSError, sa.exc.SQLAlchemyError) as exc:
            raise self._error("opening", exc) from exc
        self.db = RawSQL(self.engine)
        self._lock = threading.RLock()  # one writer at a time in this process (SQLite has one anyway)

    def _where(self) -> str:
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Reach the database afresh and read from it; raise :class:`StoreError` when that fails.

        For SQLite a new connection to the file must succeed (a pooled one keeps working on
        a file that was moved or deleted under it)."""
        try:
            if self.url.startswith("sqlite"):
                import sqlite3

                probe = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=2)
                try:
                    probe.execute("SELECT COUNT(*) FROM users").fetchone()
                finally:
                    probe.close()
                return
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT COUNT(*) FROM users")).scalar()
        except Exception as exc:  # sqlite3 and psycopg raise their own types
            raise self._error("reading", exc) from exc

    # plumbing ----------------------------------------------------------------
    def _error(self, doing: str, exc: BaseException) -> StoreError:
        """A database failure as a StoreError whose hint says what to do; the transaction was
        rolled back, so nothing half-written is kept. Details go to the log."""
        text = str(exc).lower()
        where = self._where()
        if "locked" in text or "busy" in text:
            hint = "Another chat-rec process is writing; try again in a moment (your data was not changed)."
        elif "readonly" in text or "read-only" in text:
            hint = f"Make {self.path.parent} writable, or set CHAT_REC_HOME to a writable folder."
        elif "full" in text or "disk" in text:
            hint = f"Free disk space where {where} lives, then try again (your data was not changed)."
        elif "refused" in text or "could not connect" in text or "could not translate host" in text:
            hint = "Start the database server, or check CHAT_REC_DATABASE_URL (host, port, user, password)."
        elif "unable to open" in text or "no such file" in text:
            hint = f"Check that {self.path.parent} exists and is writable, or set CHAT_REC_HOME to a folder that is."
        elif "not a database" in text or "malformed" in text or "corrupt" in text:
            hint = f"The store file is damaged: move {self.path} aside (a new one is created) or restore a backup."
        else:
            hint = StoreError.hint
        log.error("store %s failed at %s: %s", doing, where, exc, exc_info=True)
        return StoreError(f"{doing} the store at {where} failed: {short(exc)}", hint)

    def _check_disk(self) -> None:
        """Refuse a write on a nearly full disk. SQLite reports a full disk cleanly for the
        database, but its shared-memory index (``-shm``) is a mapped file, and a page of it
        that cannot be allocated kills the process with SIGBUS."""
        if not self.url.startswith("sqlite"):
            return
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            return
        wal = self.path.with_name(self.path.name + "-wal")  # a checkpoint copies the log into the file
        needed = MIN_FREE_BYTES + (wal.stat().st_size if wal.exists() else 0)
        if free < needed:
            log.error("store write refused at %s: %d bytes free", self.path, free)
            raise StoreError(
                f"writing to the store at {self._where()} failed: the disk is full ({free // 1024} KB free)",
                f"Free disk space where {self.path} lives, then try again (your data was not changed).",
            )

    def _read(self, sql: str, **params: Any) -> list[Any]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(sa.text(sql), params))
        except sa.exc.SQLAlchemyError as exc:
            raise self._error("reading", exc) from exc

    def _write(self, *statements: tuple[str, Any]) -> list[tuple[int, list[Any]]]:
        """Run statements in one transaction: all of them are kept, or none.
        Returns (rows changed, rows returned) per statement."""
        out = []
        self._check_disk()
        try:
            with self._lock, self.engine.begin() as conn:
                for sql, params in statements:
                    result = conn.execute(sa.text(sql), params)
                    out.append((result.rowcount, list(result) if result.returns_rows else []))
            return out
        except sa.exc.SQLAlchemyError as exc:
            raise self._error("writing to", exc) from exc

    # users -------------------------------------------------------------------
    def ensure_user(self, user_id: str) -> None:
        self._write(("INSERT INTO users(id) VALUES (:u) ON CONFLICT DO NOTHING", {"u": user_id}))

    def users(self) -> list[str]:
        return [r[0] for r in self._read("SELECT id FROM users ORDER BY created_at, id")]

    def forget(self, user_id: str) -> None:
        """Delete everything stored about a user (cascades to all their rows). On SQLite the
        deleted text is overwritten on disk (``secure_delete``) and the write-ahead log, which
        still holds the old pages, is folded in and emptied."""
        self._write(
            ("DELETE FROM recommendations WHERE user_id = :u", {"u": user_id}),
            ("DELETE FROM users WHERE id = :u", {"u": user_id}),
        )
        if self.url.startswith("sqlite"):
            try:
                with self._lock, self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            except sa.exc.SQLAlchemyError as exc:
                raise self._error("writing to", exc) from exc

    # conversations -------------------------------------------------------------
    def start_conversation(self, user_id: str) -> str:
        """A new conversation id of ``user_id`` (ids are per user: two users never share one)."""
        conversation_id = "c-" + secrets.token_hex(8)
        self.ensure_user(user_id)
        self._write(("INSERT INTO conversations(user_id, id) VALUES (:u, :c)", {"u": user_id, "c": conversation_id}))
        return conversation_id

    def has_conversation(self, user_id: str, conversation_id: str) -> bool:
        """Started with :meth:`start_conversation`, or holding a turn of this user."""
        rows = self._read(
            """SELECT 1 FROM conversations WHERE user_id = :u AND id = :c
               UNION ALL SELECT 1 FROM turns WHERE user_id = :u AND conversation_id = :c""",
            u=user_id,
            c=conversation_id,
        )
        return bool(rows)

    # turns ---------------------------------------------------------------------
    def record_turn(self, turn: TurnRecord) -> int:
        self.ensure_user(turn.user_id)
        values = {
            "user_id": turn.user_id,
            "conversation_id": turn.conversation_id,
            "message": turn.message,
            "reply": turn.reply,
            "kind": turn.kind,
            "prompt_name": turn.prompt_name,
            "prompt_version": turn.prompt_version,
            "prompt_hash": turn.prompt_hash,
            "ranking_version": turn.ranking_version,
            "llm": turn.llm,
            "grounded": int(turn.grounded),
            "fallback_reason": turn.fallback_reason,
            "preferences_json": json.dumps(turn.preferences, default=str),
            "trace_json": json.dumps(turn.trace, default=str),
        }
        columns = ", ".join(values)
        self._check_disk()
        try:
            with self._lock, self.engine.begin() as conn:  # the turn and its shown items together, or neither
                sql = f"INSERT INTO turns({columns}) VALUES ({', '.join(':' + c for c in values)}) RETURNING id"
                turn_id = int(conn.execute(sa.text(sql), values).scalar_one())
                if turn.recommendations:
                    conn.execute(
                        sa.text(
                            "INSERT INTO recommendations(turn_id, user_id, item_id, position, reason) "
                            "VALUES (:t, :u, :i, :p, :r)"
                        ),
                        [
                            {"t": turn_id, "u": turn.user_id, "i": item, "p": pos, "r": reason}
                            for pos, (item, reason) in enumerate(turn.recommendations)
                        ],
                    )
        except sa.exc.SQLAlchemyError as exc:
            raise self._error("writing to", exc) from exc
        turn.id = turn_id
        return turn_id

    def turns(self, user_id: str, conversation_id: str | None = None, limit: int = 20) -> list[TurnRecord]:
        sql = "SELECT * FROM turns WHERE user_id = :u"
        if conversation_id is not None:
            sql += " AND conversation_id = :c"
        rows = self._read(sql + " ORDER BY id DESC LIMIT :n", u=user_id, c=conversation_id, n=limit)
        if not rows:
            return []
        shown: dict[int, list[tuple[str, str]]] = {}
        ids = [row.id for row in rows]
        for rec in self._read(
            "SELECT turn_id, item_id, reason FROM recommendations WHERE user_id = :u AND turn_id >= :lo AND turn_id <= :hi "
            "ORDER BY turn_id, position",
            u=user_id,
            lo=min(ids),
            hi=max(ids),
        ):
            shown.setdefault(rec.turn_id, []).append((rec.item_id, rec.reason))
        return [_turn(row, shown.get(row.id, [])) for row in reversed(rows)]

    def turn_owner(self, turn_id: int) -> str | None:
        """The user a stored turn belongs to, or None when there is no such turn."""
        rows = self._read("SELECT user_id FROM turns WHERE id = :t", t=turn_id)
        return str(rows[0][0]) if rows else None

    def shown_items(self, user_id: str, conversation_id: str | None = None) -> set[str]:
        sql = "SELECT r.item_id FROM recommendations r JOIN turns t ON t.id = r.turn_id WHERE r.user_id = :u"
        if conversation_id is not None:
            sql += " AND t.conversation_id = :c"
        return {r[0] for r in self._read(sql, u=user_id, c=conversation_id)}

    # feedback ----------------------------------------------------------------
    def add_feedback(self, user_id: str, item_id: str, kind: str, turn_id: int | None = None) -> None:
        if kind not in FEEDBACK_KINDS:
            raise StoreError(f"unknown feedback kind {kind!r}", f"Use one of {FEEDBACK_KINDS}.")
        self.ensure_user(user_id)
        if turn_id is None:  # attribute the feedback to the latest turn that showed the item
            rows = self._read(
                "SELECT turn_id FROM recommendations WHERE user_id = :u AND item_id = :i ORDER BY turn_id DESC LIMIT 1",
                u=user_id,
                i=item_id,
            )
            turn_id = rows[0][0] if rows else None
        version = None
        if turn_id is not None:
            rows = self._read("SELECT prompt_version FROM turns WHERE id = :t", t=turn_id)
            version = rows[0][0] if rows else None
        statements: list[tuple[str, Any]] = []
        if kind in ("like", "dislike"):  # a new opinion replaces the old one
            statements.append(
                (
                    "DELETE FROM feedback WHERE user_id = :u AND item_id = :i AND kind IN ('like', 'dislike')",
                    {"u": user_id, "i": item_id},
                )
            )
        statements.append(
            (
                "INSERT INTO feedback(user_id, item_id, kind, turn_id, prompt_version) VALUES (:u, :i, :k, :t, :v)",
                {"u": user_id, "i": item_id, "k": kind, "t": turn_id, "v": version},
            )
        )
        self._write(*statements)

    def remove_feedback(self, user_id: str, item_id: str, kind: str) -> None:
        self._write(
            (
                "DELETE FROM feedback WHERE user_id = :u AND item_id = :i AND kind = :k",
                {"u": user_id, "i": item_id, "k": kind},
            )
        )

    def feedback(self, user_id: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {k: set() for k in FEEDBACK_KINDS}
        for item_id, kind in self._read("SELECT item_id, kind FROM feedback WHERE user_id = :u", u=user_id):
            out[kind].add(item_id)
        return out

    def feedback_stamp(self) -> tuple[int, int]:
        """(rows, newest id) of all feedback: changes whenever any user's feedback does."""
        count, newest = self._read("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM feedback")[0]
        return int(count), int(newest)

    def feedback_rows(self) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT f.user_id, f.item_id, f.kind, f.turn_id, f.prompt_version, f.created_at FROM feedback f ORDER BY f.id"
        )
        return [dict(r._mapping) for r in rows]

    # stated preferences ------------------------------------------------------
    def add_preferences(self, user_id: str, kind: str, values: Iterable[str], turn_id: int | None = None) -> None:
        values = list(values)
        if kind not in OPPOSITE:
            raise StoreError(f"unknown preference kind {kind!r}", f"Use one of {tuple(OPPOSITE)}.")
        self.ensure_user(user_id)
        if not values:
            return
        statements: list[tuple[str, Any]] = []
        for value in values:
            args = {"u": user_id, "k": kind, "o": OPPOSITE[kind], "v": value, "t": turn_id}
            statements.append(("DELETE FROM preferences WHERE user_id = :u AND kind = :o AND value = :v", args))
            statements.append(
                (
                    "INSERT INTO preferences(user_id, kind, value, turn_id) VALUES (:u, :k, :v, :t) "
                    "ON CONFLICT (user_id, kind, value) DO UPDATE SET turn_id = excluded.turn_id, "
                    "created_at = excluded.created_at",
                    args,
                )
            )
        self._write(*statements)

    def remove_preference(self, user_id: str, kind: str, value: str) -> None:
        self._write(
            (
                "DELETE FROM preferences WHERE user_id = :u AND kind = :k AND value = :v",
                {"u": user_id, "k": kind, "v": value},
            )
        )

    def preferences(self, user_id: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"like_item": [], "dislike_item": [], "like_attr": [], "dislike_attr": []}
        for kind, value in self._read(
            "SELECT kind, value FROM preferences WHERE user_id = :u ORDER BY created_at, value", u=user_id
        ):
            out.setdefault(kind, []).append(value)
        return out


def _turn(row: sa.Row[Any], recommendations: list[tuple[str, str]]) -> TurnRecord:
    return TurnRecord(
        id=row.id,
        user_id=row.user_id,
        conversation_id=row.conversation_id,
        message=row.message,
        reply=row.reply,
        kind=row.kind,
        recommendations=recommendations,
        prompt_name=row.prompt_name,
        prompt_version=row.prompt_version,
        prompt_hash=row.prompt_hash,
        ranking_version=row.ranking_version,
        llm=row.llm,
        grounded=bool(row.grounded),
        fallback_reason=row.fallback_reason,
        preferences=json.loads(row.preferences_json),
        trace=json.loads(row.trace_json),
    )
