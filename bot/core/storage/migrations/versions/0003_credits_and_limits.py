"""Credits, limits and admin: wallets, an append-only ledger, per-job charges, redeem codes,
bans, per-server limit overrides and an audit trail of admin actions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wallets",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("available", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reserved", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.CheckConstraint("available >= 0", name="wallet_available_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="wallet_reserved_not_negative"),
    )
    op.create_table(
        "ledger",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("delta", sa.BigInteger, nullable=False),  # change of available credits
        sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),  # of reserved
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
        sa.Column("admin_id", sa.BigInteger),
        sa.Column("created_at", sa.Double, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ledger_by_user", "ledger", ["user_id", "id"])
    op.create_index("ledger_by_time", "ledger", ["created_at"])
    op.create_table(
        "job_charges",
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="RESTRICT"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=False),  # reserved | settled | refunded
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_table(
        "redeem_codes",
        sa.Column("code_hash", sa.Text, primary_key=True),
        sa.Column("credits", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("redeemed_by", sa.BigInteger),
        sa.Column("redeemed_at", sa.Double),
    )
    op.create_table(
        "bans",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("banned_by", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
    )
    op.create_table(
        "guild_limits",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("setting", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("set_by", sa.BigInteger, nullable=False),
        sa.Column("set_at", sa.Double, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("admin_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("guild_id", sa.BigInteger),
        sa.Column("target_user_id", sa.BigInteger),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Double, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("jobs_by_user_time", "jobs", ["user_id", "created_at"])
    op.create_index("jobs_by_guild_time", "jobs", ["guild_id", "created_at"])


def downgrade() -> None:
    raise NotImplementedError("the bot only migrates forward")
