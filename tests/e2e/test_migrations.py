import functools
from collections.abc import AsyncIterator, Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.postgres.migrate import alembic_config
from adapters.postgres.tables import map_tables, metadata
from tests.e2e.database import create_database, drop_database


@pytest.fixture
async def empty_engine(admin_url: str) -> AsyncIterator[AsyncEngine]:
    url = await create_database(admin_url)
    engine = create_async_engine(url)
    yield engine
    await engine.dispose()
    await drop_database(admin_url, url)


async def _alembic(engine: AsyncEngine, action: Callable[[Config], None]) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        action(config)

    async with engine.begin() as connection:
        await connection.run_sync(run)


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_stairway_upgrade_downgrade_upgrade_each_revision(empty_engine):
    """Every revision upgrades, downgrades back cleanly, and upgrades again."""
    revisions = _revisions()
    assert revisions, "no migrations found"
    for previous, revision in zip(["base", *revisions], revisions, strict=False):
        await _alembic(empty_engine, functools.partial(command.upgrade, revision=revision))
        await _alembic(empty_engine, functools.partial(command.downgrade, revision=previous))
        await _alembic(empty_engine, functools.partial(command.upgrade, revision=revision))
    assert {"tenants", "channels", "clients", "conversations", "messages", "outbox", "escalations", "trial_classes"} <= await _tables(
        empty_engine
    )
    await _alembic(empty_engine, lambda c: command.downgrade(c, "base"))
    assert await _tables(empty_engine) == {"alembic_version"}


async def test_migrations_match_the_models(empty_engine):
    """A model change without its migration shows up here."""
    map_tables()
    await _alembic(empty_engine, lambda c: command.upgrade(c, "head"))
    async with empty_engine.connect() as connection:
        diff = await connection.run_sync(lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), metadata))
    assert diff == []


def test_every_member_table_is_scoped_by_tenant():
    # Failed logins are counted before anyone is known, so before any tenant is: they hold what was
    # typed at the form and the address it came from, and go after minutes.
    member_tables = set(metadata.tables) - {"tenants", "login_failures"}
    assert all("tenant_id" in metadata.tables[name].c for name in member_tables)
