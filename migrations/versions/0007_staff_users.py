"""Staff users of the dashboard, their sessions, failed logins (the rate limit), and who made each
status change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_staff_users_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_users_email")),
    )
    op.create_index(op.f("ix_staff_users_tenant_id"), "staff_users", ["tenant_id"])
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_staff_sessions_tenant_id_tenants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], name=op.f("fk_staff_sessions_user_id_staff_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_tenant_id"), "staff_sessions", ["tenant_id"])
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])
    op.create_index(op.f("ix_staff_sessions_expires_at"), "staff_sessions", ["expires_at"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_email_at", "login_failures", ["email", "at"])
    op.create_index("ix_login_failures_address_at", "login_failures", ["address", "at"])
    op.add_column("status_changes", sa.Column("actor", sa.Uuid))
    op.create_foreign_key(
        op.f("fk_status_changes_actor_staff_users"), "status_changes", "staff_users", ["actor"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_status_changes_actor_staff_users"), "status_changes", type_="foreignkey")
    op.drop_column("status_changes", "actor")
    op.drop_table("login_failures")
    op.drop_table("staff_sessions")
    op.drop_table("staff_users")
