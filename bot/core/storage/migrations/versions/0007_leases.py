"""Several processes on one PostgreSQL: each in-flight job's lease (which process follows
it, until when) and the time a result button was last claimed (the double-press guard,
which every process must see).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The owner is a random id each process makes at start; the expiry is in epoch seconds
    # of the database's clock (PostgreSQL), so machines whose clocks differ agree on it.
    op.add_column("jobs", sa.Column("lease_owner", sa.Text))
    op.add_column("jobs", sa.Column("lease_expires_at", sa.Double))
    # Renewal and release find a process's jobs by owner (claims use jobs_unfinished).
    op.create_index("jobs_by_lease_owner", "jobs", ["lease_owner"])
    op.add_column("job_buttons", sa.Column("claimed_at", sa.Double))


def downgrade() -> None:
    raise NotImplementedError("the bot only migrates forward")
