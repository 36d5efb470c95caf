"""Inbound buffer on conversations, status changes (the handoff audit trail), the @lid alias of
clients, delivery status and media kind of messages, connection state of channels.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:42:17.679269
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("before", sa.String(length=32), nullable=False),
        sa.Column("after", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_status_changes_conversation_id_conversations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_status_changes_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    op.create_index(op.f("ix_status_changes_conversation_id"), "status_changes", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_status_changes_tenant_id"), "status_changes", ["tenant_id"], unique=False)
    op.add_column("channels", sa.Column("connection_state", sa.String(length=32), nullable=True))
    op.add_column("channels", sa.Column("connection_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("clients", sa.Column("lid", sa.String(length=64), nullable=True))
    op.create_unique_constraint(op.f("uq_clients_tenant_id_lid"), "clients", ["tenant_id", "lid"])
    op.add_column("conversations", sa.Column("inbound_version", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column("conversations", sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("conversations", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("conversations", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "uq_conversations_open_client", "conversations", ["client_id"], unique=True, postgresql_where=sa.text("status <> 'closed'")
    )
    op.create_index("ix_conversations_due", "conversations", ["due_at"], unique=False, postgresql_where=sa.text("due_at IS NOT NULL"))
    op.add_column("messages", sa.Column("delivery_status", sa.String(length=32), nullable=True))
    op.add_column("messages", sa.Column("media", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "media")
    op.drop_column("messages", "delivery_status")
    op.drop_index("uq_conversations_open_client", table_name="conversations", postgresql_where=sa.text("status <> 'closed'"))
    op.drop_index("ix_conversations_due", table_name="conversations", postgresql_where=sa.text("due_at IS NOT NULL"))
    op.drop_column("conversations", "claimed_until")
    op.drop_column("conversations", "due_at")
    op.drop_column("conversations", "pending_since")
    op.drop_column("conversations", "inbound_version")
    op.drop_constraint(op.f("uq_clients_tenant_id_lid"), "clients", type_="unique")
    op.drop_column("clients", "lid")
    op.drop_column("channels", "connection_changed_at")
    op.drop_column("channels", "connection_state")
    op.drop_index(op.f("ix_status_changes_tenant_id"), table_name="status_changes")
    op.drop_index(op.f("ix_status_changes_conversation_id"), table_name="status_changes")
    op.drop_table("status_changes")
