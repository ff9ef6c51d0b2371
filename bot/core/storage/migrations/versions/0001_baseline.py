"""Baseline: jobs, their buttons and input images, as schema version 1 had them.

A SQLite database made by the bot before Alembic (PRAGMA user_version = 1) already has
exactly these tables and is stamped with this revision instead of running it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNFINISHED = "status IN ('PENDING', 'WAITING', 'IN_PROGRESS')"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False, server_default=""),
        sa.Column("options", sa.Text, nullable=False, server_default="{}"),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("guild_id", sa.BigInteger),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("message_id", sa.BigInteger),
        sa.Column("message_kind", sa.Text, nullable=False, server_default="original"),
        sa.Column("upload_limit", sa.BigInteger),
        sa.Column("interaction_token", sa.Text),
        sa.Column("token_expires_at", sa.Double),
        sa.Column("locale", sa.Text, nullable=False, server_default="en-US"),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("queue_position", sa.Integer),
        sa.Column("image_url", sa.Text),
        sa.Column("final_prompt", sa.Text),
        sa.Column("fail_reason", sa.Text),
        sa.Column("shown_status", sa.Text),
        sa.Column("parent_job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
        sa.Column("button_index", sa.Integer),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("submitted_at", sa.Double),
        sa.Column("finished_at", sa.Double),
        sqlite_autoincrement=True,
    )
    op.create_index("jobs_by_task", "jobs", ["task_id"])
    op.create_index("jobs_by_parent", "jobs", ["parent_job_id"])
    op.create_index(
        "jobs_unfinished",
        "jobs",
        ["status"],
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )
    op.create_table(
        "job_buttons",
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("custom_id", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("emoji", sa.Text, nullable=False, server_default=""),
        sa.Column("style", sa.Integer, nullable=False, server_default="2"),
    )
    op.create_table(
        "job_inputs",
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the bot only migrates forward")
