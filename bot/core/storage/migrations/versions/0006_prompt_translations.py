"""The prompt translation cache (TRANSLATE_PROMPTS=auto): the same prompt is sent to the
chat model once.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt_translations",
        sa.Column("key", sa.Text, primary_key=True),  # SHA-256 of the model and the text
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),  # the text sent, placeholders in it
        sa.Column("translated", sa.Text, nullable=False),  # the answer, placeholders in it
        sa.Column("created_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the bot only migrates forward")
