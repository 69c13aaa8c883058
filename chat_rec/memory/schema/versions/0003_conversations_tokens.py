"""Conversations started through the API, and API tokens (only their SHA-256 is kept).

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chat_rec.memory.schema.common import now

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False, server_default=now()),
        sa.PrimaryKeyConstraint("user_id", "id"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),  # no foreign key: forgetting a profile keeps its sign-in
        sa.Column("admin", sa.Integer, nullable=False, server_default="0"),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Text, nullable=False, server_default=now()),
        sa.Column("revoked_at", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("conversations")
