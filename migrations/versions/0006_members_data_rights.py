"""Members' data rights (LGPD): erasure requests, the audit trail of erasures, and trial classes
that outlive their member or conversation (anonymized, their seat still counted).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
_PARENTS = {"client_id": "clients", "conversation_id": "conversations"}
_COUNTS = ("clients", "conversations", "messages", "outbox", "escalations", "status_changes", "trial_classes", "requests")


def _trial_class_parents(ondelete: str, nullable: bool) -> None:
    for column, parent in _PARENTS.items():
        name = op.f(f"fk_trial_classes_{column}_{parent}")
        op.drop_constraint(name, "trial_classes", type_="foreignkey")
        op.alter_column("trial_classes", column, nullable=nullable)
        op.create_foreign_key(name, "trial_classes", parent, [column], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _trial_class_parents("SET NULL", nullable=True)
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("client_id", sa.Uuid),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("fulfilled_at", TZ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_erasure_requests_tenant_id_tenants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_erasure_requests_client_id_clients"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(op.f("ix_erasure_requests_tenant_id"), "erasure_requests", ["tenant_id"])
    op.create_index(op.f("ix_erasure_requests_client_id"), "erasure_requests", ["client_id"])
    op.create_index(
        "uq_erasure_requests_pending_client",
        "erasure_requests",
        ["client_id"],
        unique=True,
        postgresql_where=sa.text("fulfilled_at IS NULL"),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("at", TZ, nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False) for name in _COUNTS),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_erasures_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index(op.f("ix_erasures_tenant_id"), "erasures", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("erasure_requests")
    # The older schema cannot hold a class without its member: anonymized classes go.
    op.execute("DELETE FROM trial_classes WHERE client_id IS NULL OR conversation_id IS NULL")
    _trial_class_parents("CASCADE", nullable=False)
