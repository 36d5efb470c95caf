"""The ledger of language model calls (tokens, cost, outcome) and the budget alerts told to staff.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "model_calls",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("conversation_id", sa.Uuid),
        sa.Column("message_id", sa.Uuid),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("cached_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("cost_usd", sa.Numeric(18, 10)),
        sa.Column("price_version", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_model_calls_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_calls")),
    )
    op.create_index(op.f("ix_model_calls_tenant_id"), "model_calls", ["tenant_id"])
    op.create_index(op.f("ix_model_calls_message_id"), "model_calls", ["message_id"])
    op.create_index(op.f("ix_model_calls_tenant_created"), "model_calls", ["tenant_id", "created_at"])
    op.create_index(op.f("ix_model_calls_model_id"), "model_calls", ["model", "id"])
    op.create_table(
        "budget_alerts",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("threshold", sa.SmallInteger, nullable=False),
        sa.Column("spent", sa.Numeric(24, 10), nullable=False),
        sa.Column("ceiling", sa.Numeric(24, 10), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_budget_alerts_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "month", "threshold", name=op.f("pk_budget_alerts")),
    )
    op.create_index(op.f("ix_budget_alerts_month"), "budget_alerts", ["month"])


def downgrade() -> None:
    op.drop_table("budget_alerts")
    op.drop_table("model_calls")
