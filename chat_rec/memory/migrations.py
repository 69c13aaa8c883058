"""Bring a store's database to the newest schema with Alembic (``chat_rec/memory/schema``).

A SQLite file written before Alembic recorded its version in ``PRAGMA user_version``
(1 or 2 migrations run); it is stamped with the matching Alembic revision first, then
upgraded, so its rows stay as they are. Two processes starting at once do not migrate
twice: PostgreSQL takes an advisory lock, SQLite a lock file beside the database.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

SCHEMA = Path(__file__).resolve().parent / "schema"
# PRAGMA user_version of a pre-Alembic SQLite store -> the Alembic revision it equals
LEGACY = {1: "0001", 2: "0002", 3: "0003"}
LOCK_KEY = 7_202_212  # any constant: the advisory lock's id on PostgreSQL


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCHEMA))
    config.attributes["connection"] = connection
    return config


@contextlib.contextmanager
def _sqlite_lock(engine: sa.Engine) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: sa.Engine) -> str:
    """Upgrade to the newest revision; returns it."""
    sqlite = engine.dialect.name == "sqlite"
    with _sqlite_lock(engine) if sqlite else contextlib.nullcontext(), engine.begin() as conn:
        if not sqlite:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        config = _config(conn)
        tables = set(sa.inspect(conn).get_table_names())
        if sqlite and "alembic_version" not in tables:
            legacy = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
            if legacy:
                command.stamp(config, LEGACY[int(legacy)])
        command.upgrade(config, "head")
        return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())


def head() -> str:
    """The newest revision in ``schema/versions``."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(SCHEMA))
    return str(ScriptDirectory.from_config(config).get_current_head())
