"""The web server: each job's push secret (stored as a hash only) and the single-use
links to the Vary (Region) editor.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # SHA-256 of the job's notifyHook secret: a copied database cannot forge pushes.
    op.add_column("jobs", sa.Column("push_secret_hash", sa.Text))
    op.create_table(
        "editor_links",
        sa.Column("token_hash", sa.Text, primary_key=True),  # SHA-256 of the link's token
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("button_index", sa.Integer, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),  # where the result goes (JSON)
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("expires_at", sa.Double, nullable=False),
        sa.Column("used_at", sa.Double),
    )


def downgrade() -> None:
    raise NotImplementedError("the bot only migrates forward")
