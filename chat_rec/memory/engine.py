"""The database connection under :class:`chat_rec.memory.store.Store`: SQLAlchemy engines
for SQLite (WAL, foreign keys on) and PostgreSQL (psycopg 3), and :class:`RawSQL`, the
``store.db.execute(sql, params)`` that eval tools and tests use to read tables directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def database_url(target: Path | str) -> str:
    """A file path means SQLite; a ``postgresql://`` (or any SQLAlchemy) URL is used as it is."""
    text = str(target)
    if "://" in text:
        return text.replace("postgresql://", "postgresql+psycopg://", 1) if text.startswith("postgresql://") else text
    return f"sqlite:///{Path(text).expanduser()}"


def make_engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args={"connect_timeout": 5}
        )
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA secure_delete = ON")  # a forgotten user's text is overwritten, not left in free pages
        cursor.close()

    return engine


class _Row(tuple):  # type: ignore[type-arg]
    """A result row read by position, by column name, or as ``dict(row)`` (like ``sqlite3.Row``)."""

    _names: tuple[str, ...] = ()

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)


class _Rows:
    def __init__(self, rows: list[_Row]) -> None:
        self.rows = rows

    def __iter__(self) -> Iterator[_Row]:
        return iter(self.rows)

    def fetchone(self) -> _Row | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[_Row]:
        return list(self.rows)


class RawSQL:
    """``store.db.execute(sql, params)`` with ``?`` placeholders, for eval tools and tests that
    read tables directly. Each call is its own committed transaction; ``with store.db:`` is
    accepted and does nothing more."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Rows:
        if self.engine.dialect.name != "sqlite":
            sql = sql.replace("?", "%s")
        with self.engine.begin() as conn:
            result = conn.exec_driver_sql(sql, tuple(params))
            if not result.returns_rows:
                return _Rows([])
            names = tuple(result.keys())
            rows = []
            for values in result:
                row = _Row(tuple(values))
                row._names = names
                rows.append(row)
        return _Rows(rows)

    def __enter__(self) -> RawSQL:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def short(exc: BaseException) -> str:
    """The first line of a driver error (SQLAlchemy appends the statement and a link)."""
    return str(exc).splitlines()[0][:300]
