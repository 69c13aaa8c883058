"""The store's schema as Alembic migrations (``versions/``), run by
:func:`chat_rec.memory.migrations.migrate`. Add a migration: copy the newest file in
``versions/``, bump ``revision`` / ``down_revision``; never edit a released one.
"""
