"""Explicit preferences the user stated or edited in the profile.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chat_rec.memory.schema.common import now

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # like_item | dislike_item | like_attr | dislike_attr
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("turn_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.Text, nullable=False, server_default=now()),
        sa.PrimaryKeyConstraint("user_id", "kind", "value"),
    )


def downgrade() -> None:
    op.drop_table("preferences")
