"""Row-level security on a migrated database: the application's role sees nothing unless its
transaction names a tenant, then only that tenant's rows, and cannot write another tenant's."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres import row_security
from adapters.postgres.engine import make_engine
from adapters.postgres.migrate import upgrade
from adapters.postgres.tables import metadata
from tests.e2e.database import create_database, drop_database

ROLE = row_security.APP_ROLE


@pytest.fixture(scope="module")
async def migrated(admin_url: str) -> AsyncIterator[str]:
    url = await create_database(admin_url)
    owner = make_engine(url, pool_size=1)
    await upgrade(owner, app_role=ROLE)
    await owner.dispose()
    yield url
    await drop_database(admin_url, url)


@pytest.fixture(scope="module")
async def two_tenants(migrated: str) -> tuple[uuid.UUID, uuid.UUID]:
    """Tenants A and B with a client each, written as the owner (whom the policies do not restrict)."""
    a, b = uuid.uuid4(), uuid.uuid4()
    owner = await _connect(migrated)
    try:
        for tenant, phone in ((a, "5511900000001"), (b, "5511900000002")):
            await owner.execute(
                "INSERT INTO tenants (id, slug, name, timezone, paid_services, modalities, trial_class)"
                " VALUES ($1, $2, 'CT', 'America/Sao_Paulo', '[]', '[]', '{}')",
                tenant,
                f"rls-{tenant.hex[:8]}",
            )
            await owner.execute("INSERT INTO clients (id, tenant_id, phone) VALUES (gen_random_uuid(), $1, $2)", tenant, phone)
    finally:
        await owner.close()
    return a, b


async def _connect(url: str, role: str | None = None) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        server_settings={"role": role} if role else {},
    )


@pytest.fixture
async def as_app(migrated: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await _connect(migrated, ROLE)
    yield connection
    await connection.close()


async def test_the_application_role_is_confined(as_app):
    user, superuser, bypass = await as_app.fetchrow(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert (user, superuser, bypass) == (ROLE, False, False)


async def test_a_query_that_forgets_the_tenant_filter_returns_nothing(as_app, two_tenants):
    assert await as_app.fetch("SELECT * FROM clients") == []
    assert await as_app.fetchval("SELECT count(*) FROM clients WHERE tenant_id = ANY($1)", list(two_tenants)) == 0


async def test_with_a_tenant_set_only_its_rows_are_seen(as_app, two_tenants):
    a, b = two_tenants
    async with as_app.transaction():
        await as_app.execute("SELECT set_config('tatame.tenant', $1, true)", str(a))
        assert [row["tenant_id"] for row in await as_app.fetch("SELECT tenant_id FROM clients")] == [a]
        # Nor can it touch B's rows: they are not there for it.
        assert await as_app.execute("UPDATE clients SET name = 'x' WHERE tenant_id = $1", b) == "UPDATE 0"
        assert await as_app.execute("DELETE FROM clients WHERE tenant_id = $1", b) == "DELETE 0"
    # The setting is the transaction's: the connection's next user starts with nothing.
    assert await as_app.fetch("SELECT * FROM clients") == []


async def test_a_row_of_another_tenant_is_refused(as_app, two_tenants):
    a, b = two_tenants
    async with as_app.transaction():
        await as_app.execute("SELECT set_config('tatame.tenant', $1, true)", str(a))
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await as_app.execute("INSERT INTO clients (id, tenant_id, phone) VALUES (gen_random_uuid(), $1, '5511900000003')", b)
    async with as_app.transaction():
        await as_app.execute("SELECT set_config('tatame.tenant', $1, true)", str(a))
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await as_app.execute("UPDATE clients SET tenant_id = $1 WHERE tenant_id = $2", b, a)


async def test_the_system_scope_sees_every_tenant(as_app, two_tenants):
    async with as_app.transaction():
        await as_app.execute("SELECT set_config('tatame.scope', 'system', true)")
        seen = {row["tenant_id"] for row in await as_app.fetch("SELECT tenant_id FROM clients")}
    assert set(two_tenants) <= seen


async def test_the_engine_acts_as_the_role_and_sessions_scope_by_tenant(migrated, two_tenants):
    """What the application's engine does: the role from the connection's start, the tenant per transaction."""
    a, _ = two_tenants
    engine: AsyncEngine = make_engine(migrated, pool_size=1, role=ROLE)
    try:
        async with row_security.tenant_connection(engine, a) as connection:
            assert list((await connection.execute(sa.text("SELECT tenant_id FROM clients"))).scalars()) == [a]
        # The same pooled connection, a new transaction: nothing again.
        async with engine.connect() as connection:
            assert (await connection.execute(sa.text("SELECT current_user"))).scalar() == ROLE
            assert list(await connection.execute(sa.text("SELECT * FROM clients"))) == []
    finally:
        await engine.dispose()


async def test_every_table_with_a_tenant_has_the_policy(migrated):
    """A new table with a tenant_id fails here until its migration runs `row_security.enable` on it
    (or row_security.EXEMPT names it, with the reason)."""
    scoped = {name for name, table in metadata.tables.items() if "tenant_id" in table.c}
    owner = await _connect(migrated)
    try:
        guarded = {
            row["relname"]
            for row in await owner.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid"
                " WHERE c.relrowsecurity AND p.polname = $1 AND c.relnamespace = 'public'::regnamespace",
                row_security.POLICY,
            )
        }
        granted = {
            row["table_name"]
            for row in await owner.fetch(
                "SELECT table_name FROM information_schema.role_table_grants"
                " WHERE grantee = $1 AND privilege_type = 'DELETE' AND table_schema = 'public'",
                ROLE,
            )
        }
    finally:
        await owner.close()
    assert guarded == scoped - row_security.EXEMPT
    assert set(metadata.tables) <= granted


async def test_creating_the_role_is_idempotent_under_concurrency(admin_url):
    """Roles belong to the cluster, where many databases migrate at once (the tests' among them)."""
    role = f"tatame_probe_{uuid.uuid4().hex[:8]}"
    connections = [await _connect(admin_url) for _ in range(4)]
    try:
        await asyncio.gather(*(connection.execute(row_security.create_role(role)) for connection in connections))
        await connections[0].execute(row_security.create_role(role))
        assert await connections[0].fetchval("SELECT count(*) FROM pg_roles WHERE rolname = $1", role) == 1
    finally:
        await connections[0].execute(f'DROP ROLE IF EXISTS "{role}"')
        for connection in connections:
            await connection.close()
