"""The user's own controls: per-user defaults (/settings) and private (ephemeral) job
messages. (/history reads jobs by the existing jobs_by_user_time index.)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("mode", sa.Text),  # None: the server's default speed
        sa.Column("bot_type", sa.Text),  # None: the server's default model
        sa.Column("suffix", sa.Text, nullable=False, server_default=""),
        sa.Column("private", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("remix", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("variation", sa.Text),  # strong | subtle | None (the aggregator's)
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    # A plain ADD COLUMN: a batch (copy-and-move) of jobs on SQLite would cascade-delete
    # every job's buttons when the old table is dropped.
    op.add_column(
        "jobs",
        sa.Column("message_ephemeral", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    raise NotImplementedError("the bot only migrates forward")
