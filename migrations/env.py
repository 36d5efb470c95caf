"""Alembic environment. Async engine; or, when the caller passes a connection in
`config.attributes["connection"]` (the app migrating at start), that connection."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.postgres.tables import map_tables, metadata

map_tables()
config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
        await connection.commit()
    await engine.dispose()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url or "app_role" not in config.attributes:
        from entrypoints.settings import Settings

        settings = Settings.from_env()
        url = url or settings.database_url
        config.attributes.setdefault("app_role", settings.database_app_role)
    if not url:
        raise SystemExit("set DATABASE_URL (or run `tatame migrate`, which also starts the embedded database)")
    asyncio.run(run_async_migrations(url))


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
main()
