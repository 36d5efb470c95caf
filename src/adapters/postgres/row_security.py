"""Row-level security: PostgreSQL's second wall behind the repositories' tenant filters.

The application's connections act as a role of their own (`APP_ROLE`, NOLOGIN, without
BYPASSRLS, owning nothing), switched to at connect time; migrations, backups and restores run as
the owner of the tables, which RLS does not restrict. On every table with a `tenant_id` (except
`EXEMPT`), that role sees and writes only the rows of the tenant its transaction set with
`in_tenant`. A transaction that set nothing sees nothing: a query that forgets the tenant filter
returns no rows instead of another center's members.

Work that spans tenants by design (the worker claiming due conversations, outbox delivery,
retention, /health's backlog, /metrics, `tatame stats`) sets the system scope instead,
`in_system_scope`, explicitly and only in those adapters' methods.

Both settings are transaction-local (`set_config(..., true)`): a pooled connection carries
nothing over to its next user."""

import contextlib
import uuid
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

TENANT = "tatame.tenant"
SCOPE = "tatame.scope"
SYSTEM = "system"

# The role the application's connections act as unless DATABASE_APP_ROLE names another.
APP_ROLE = "tatame_app"

# Tables with a tenant_id that the policies leave out, and why. Every other table with a tenant_id
# must have the policy (tests/e2e/test_row_security.py checks the migrated schema).
EXEMPT = {
    # Read by instance name before any tenant is known: the webhook learns its tenant from it.
    # It holds the centers' configuration, nothing of their members.
    "channels",
    # Login looks a user up by e-mail, and every dashboard request its session by token digest,
    # before the tenant is known: the tenant is what they tell. They hold the centers' staff
    # accounts (argon2 hashes, token digests), nothing of their members, and their repositories
    # filter by tenant wherever one is given.
    "staff_users",
    "staff_sessions",
}

POLICY = "tenant_isolation"

# After a transaction that set it, an unset setting reads as '' rather than NULL.
_VISIBLE = f"tenant_id = CAST(NULLIF(current_setting('{TENANT}', true), '') AS uuid) OR current_setting('{SCOPE}', true) = '{SYSTEM}'"


def in_tenant(tenant_id: uuid.UUID) -> sa.Select:
    """The statement that makes the rest of the transaction see `tenant_id`'s rows."""
    return sa.select(sa.func.set_config(TENANT, str(tenant_id), True))


def in_system_scope() -> sa.Select:
    """The statement that makes the rest of the transaction see every tenant's rows: for system
    work across tenants only."""
    return sa.select(sa.func.set_config(SCOPE, SYSTEM, True))


@contextlib.asynccontextmanager
async def tenant_connection(engine: AsyncEngine, tenant_id: uuid.UUID, *, commit: bool = False) -> AsyncIterator[AsyncConnection]:
    """A connection of its own, outside any unit of work, in `tenant_id`'s scope; with `commit`,
    its transaction commits when the block ends without an error."""
    async with _connection(engine, commit) as connection:
        await connection.execute(in_tenant(tenant_id))
        yield connection


@contextlib.asynccontextmanager
async def system_connection(engine: AsyncEngine, *, commit: bool = False) -> AsyncIterator[AsyncConnection]:
    """A connection of its own in the system scope: every tenant's rows, for system work only."""
    async with _connection(engine, commit) as connection:
        await connection.execute(in_system_scope())
        yield connection


def _connection(engine: AsyncEngine, commit: bool) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
    return engine.begin() if commit else engine.connect()


def enable(table: str) -> list[str]:
    """The statements that put `table` behind the tenant policy (for migrations)."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})",
    ]


def disable(table: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {POLICY} ON {table}", f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"]


def create_role(role: str) -> str:
    """Creates `role` unless it exists (an administrator may have made it, for an owner without
    CREATEROLE), and lets the current user act as it. Roles belong to the whole cluster:
    databases migrating at the same time may race to create it, and the loser's error (either
    one, depending on the moment) means it exists."""
    return f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                BEGIN
                    CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END;
            END IF;
            IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT %I TO %I', '{role}', current_user);
            END IF;
        END
        $$
    """


def grant(role: str) -> list[str]:
    """What `role` may do in the schema: read and write every table (the policies decide which
    rows), including tables that later migrations create. Restores run it again: a restore
    leaves out the dump's grants."""
    return [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
    ]


def revoke(role: str) -> list[str]:
    return [
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "{role}"',
        f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"',
        f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"',
        f'REVOKE USAGE ON SCHEMA public FROM "{role}"',
    ]
