"""Channels that can be disabled (no webhooks taken, nothing sent); members known by address (a
tenant's channel kind and address name one client; WhatsApp's @lid alias moves there from
`clients.lid`); a center's front-desk settings from its pack (`front_desk:` in tenant.yaml).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("channels", sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()))
    op.add_column("tenants", sa.Column("front_desk", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.create_table(
        "client_addresses",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("client_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_client_addresses_tenant_id_tenants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_client_addresses_client_id_clients"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "address", name=op.f("pk_client_addresses")),
    )
    op.create_index(op.f("ix_client_addresses_tenant_id"), "client_addresses", ["tenant_id"])
    op.create_index(op.f("ix_client_addresses_client_id"), "client_addresses", ["client_id"])
    # Phone numbers need no copy: a client's phone is found by it, and becomes an address with
    # the next message. Only the @lid aliases live nowhere else.
    op.execute(
        "INSERT INTO client_addresses (tenant_id, client_id, kind, address) "
        "SELECT tenant_id, id, 'evolution', lid FROM clients WHERE lid IS NOT NULL"
    )
    op.drop_constraint(op.f("uq_clients_tenant_id_lid"), "clients", type_="unique")
    op.drop_column("clients", "lid")


def downgrade() -> None:
    op.add_column("clients", sa.Column("lid", sa.String(length=64), nullable=True))
    op.create_unique_constraint(op.f("uq_clients_tenant_id_lid"), "clients", ["tenant_id", "lid"])
    # A client holds one alias in the older schema: the first of theirs.
    op.execute(
        "UPDATE clients SET lid = a.address FROM (SELECT DISTINCT ON (client_id) client_id, address FROM client_addresses "
        "WHERE kind = 'evolution' AND address LIKE '%@lid' ORDER BY client_id, address) a WHERE a.client_id = clients.id"
    )
    op.drop_table("client_addresses")
    op.drop_column("tenants", "front_desk")
    op.drop_column("channels", "enabled")
