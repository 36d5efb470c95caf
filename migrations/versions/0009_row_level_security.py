"""Row-level security on the tenants' tables: the application's role (DATABASE_APP_ROLE) sees and
writes only the rows of the tenant its transaction set (`adapters.postgres.row_security`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

from alembic import context, op

from adapters.postgres import row_security

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables with a tenant_id at this revision, those of row_security.EXEMPT aside. A later
# migration that creates such a table runs `row_security.enable` on it.
TABLES = (
    "clients",
    "conversations",
    "status_changes",
    "messages",
    "outbox",
    "escalations",
    "trial_classes",
    "erasure_requests",
    "erasures",
    "model_calls",
    "budget_alerts",
    "client_addresses",
)


def _role() -> str:
    return str(context.config.attributes.get("app_role", row_security.APP_ROLE))


def upgrade() -> None:
    op.execute(row_security.create_role(_role()))
    for statement in row_security.grant(_role()):
        op.execute(statement)
    for table in TABLES:
        for statement in row_security.enable(table):
            op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for statement in row_security.disable(table):
            op.execute(statement)
    # The role stays: roles belong to the cluster, and other databases on it may use it.
    for statement in row_security.revoke(_role()):
        op.execute(statement)
