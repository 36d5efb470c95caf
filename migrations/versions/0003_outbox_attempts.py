"""When the outbox's current send attempt started: set before a send leaves, cleared when its
outcome is known, so a send cut short is looked up before it is repeated.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "attempt_started_at")
