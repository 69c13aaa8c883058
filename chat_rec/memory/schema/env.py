"""Alembic's entry point for chat-rec's store: runs on the connection the store hands in.

``chat_rec.memory.migrations.migrate`` calls Alembic with ``config.attributes["connection"]``;
nothing here reads a URL or an ini file.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
