"""The tables as the code uses them today (migrations describe how they got here)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    false,
)

metadata = MetaData()

# Snowflakes need 64 bits; SQLite's rowid alias must be spelled INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("task_id", Text),
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("prompt", Text, nullable=False, server_default=""),
    Column("options", Text, nullable=False, server_default="{}"),
    Column("user_id", BigInteger, nullable=False),
    Column("guild_id", BigInteger),
    Column("channel_id", BigInteger),
    Column("message_id", BigInteger),
    Column("message_kind", Text, nullable=False, server_default="original"),
    Column("upload_limit", BigInteger),
    Column("interaction_token", Text),
    Column("token_expires_at", Double),
    Column("locale", Text, nullable=False, server_default="en-US"),
    Column("progress", Integer, nullable=False, server_default="0"),
    Column("queue_position", Integer),
    Column("image_url", Text),
    Column("final_prompt", Text),
    Column("fail_reason", Text),
    Column("shown_status", Text),
    Column("parent_job_id", Id, ForeignKey("jobs.id", ondelete="SET NULL")),
    Column("button_index", Integer),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("submitted_at", Double),
    Column("finished_at", Double),
    Column("message_ephemeral", Boolean, nullable=False, server_default=false()),
    Column("push_secret_hash", Text),
    # Which process follows the job while it is in flight, and until when (PostgreSQL's
    # clock on PostgreSQL): bot/core/storage/leases.py.
    Column("lease_owner", Text),
    Column("lease_expires_at", Double),
    sqlite_autoincrement=True,
)

job_buttons = Table(
    "job_buttons",
    metadata,
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("custom_id", Text, nullable=False),
    Column("label", Text, nullable=False, server_default=""),
    Column("emoji", Text, nullable=False, server_default=""),
    Column("style", Integer, nullable=False, server_default="2"),
    Column("claimed_at", Double),  # the last press that started something (double clicks)
)

job_inputs = Table(
    "job_inputs",
    metadata,
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("mime", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

bot_meta = Table(
    "bot_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

wallets = Table(
    "wallets",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("available", BigInteger, nullable=False, server_default="0"),
    Column("reserved", BigInteger, nullable=False, server_default="0"),
    Column("created_at", Double, nullable=False),
    CheckConstraint("available >= 0", name="wallet_available_not_negative"),
    CheckConstraint("reserved >= 0", name="wallet_reserved_not_negative"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("delta", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False, server_default="0"),
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="SET NULL")),
    Column("admin_id", BigInteger),
    Column("created_at", Double, nullable=False),
    sqlite_autoincrement=True,
)

job_charges = Table(
    "job_charges",
    metadata,
    # RESTRICT: a job with a charge is never deleted from under its reservation.
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="RESTRICT"), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("state", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
)

redeem_codes = Table(
    "redeem_codes",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("credits", BigInteger, nullable=False),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("redeemed_by", BigInteger),
    Column("redeemed_at", Double),
)

bans = Table(
    "bans",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("banned_by", BigInteger, nullable=False),
    Column("created_at", Double, nullable=False),
)

guild_limits = Table(
    "guild_limits",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    Column("setting", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("set_by", BigInteger, nullable=False),
    Column("set_at", Double, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("admin_id", BigInteger, nullable=False),
    Column("action", Text, nullable=False),
    Column("guild_id", BigInteger),
    Column("target_user_id", BigInteger),
    Column("detail", Text, nullable=False, server_default=""),
    Column("created_at", Double, nullable=False),
    sqlite_autoincrement=True,
)

user_preferences = Table(
    "user_preferences",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("mode", Text),
    Column("bot_type", Text),
    Column("suffix", Text, nullable=False, server_default=""),
    Column("private", Boolean, nullable=False, server_default=false()),
    Column("remix", Boolean, nullable=False, server_default=false()),
    Column("variation", Text),
    Column("updated_at", Double, nullable=False),
)

editor_links = Table(
    "editor_links",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("button_index", Integer, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("origin", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("used_at", Double),
)

prompt_translations = Table(
    "prompt_translations",
    metadata,
    # SHA-256 of model and text: a long prompt is too big for a PostgreSQL index entry.
    Column("key", Text, primary_key=True),
    Column("model", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("translated", Text, nullable=False),
    Column("created_at", Double, nullable=False),
)
