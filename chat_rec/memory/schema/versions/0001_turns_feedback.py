"""Turns, what each turn showed, and feedback on it.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chat_rec.memory.schema.common import now

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Text, nullable=False, server_default=now()),
    )
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False, server_default=now()),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("reply", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("prompt_name", sa.Text),
        sa.Column("prompt_version", sa.Text),
        sa.Column("prompt_hash", sa.Text),
        sa.Column("ranking_version", sa.Text),
        sa.Column("llm", sa.Text),
        sa.Column("grounded", sa.Integer, nullable=False),
        sa.Column("fallback_reason", sa.Text),
        sa.Column("preferences_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("trace_json", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("turns_user", "turns", ["user_id", "conversation_id", "id"])
    op.create_table(
        "recommendations",
        sa.Column("turn_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("turn_id", "position"),
    )
    op.create_index("recommendations_user", "recommendations", ["user_id", "item_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("turn_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="SET NULL")),
        sa.Column("prompt_version", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False, server_default=now()),
        sa.CheckConstraint("kind IN ('like', 'dislike', 'seen')", name="feedback_kind"),
    )
    op.create_index("feedback_user", "feedback", ["user_id", "item_id"])


def downgrade() -> None:
    for table in ("feedback", "recommendations", "turns", "users"):
        op.drop_table(table)
