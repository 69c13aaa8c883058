"""Shared by the migration files: the same text timestamp format on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def now() -> sa.TextClause:
    """'YYYY-MM-DD HH:MM:SS' in UTC, as SQLite's datetime('now') writes it, on either backend."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))")
    return sa.text("(datetime('now'))")
