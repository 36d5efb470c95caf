"""Tatame's database as a pg_dump file (custom format), dumped and restored by PostgreSQL's own
tools (pg_dump, pg_restore, psql) of the server's version (`pg_tools`)."""

import asyncio
import os
from pathlib import Path

import attrs
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres import row_security
from adapters.postgres.pg_tools import find_tool
from application.backup_archive import BackupFailed, NotABackup

# libpq's names for the modes asyncpg's `ssl` query parameter takes.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def libpq_environment(url: str) -> dict[str, str]:
    """The connection as libpq's variables: the password stays out of the command line (and `ps`)."""
    parsed = make_url(url)
    query = {key: value if isinstance(value, str) else value[-1] for key, value in parsed.query.items()}
    variables = {
        # The embedded server is reached through a Unix socket folder given as `?host=`.
        "PGHOST": query.get("host") or parsed.host,
        "PGPORT": parsed.port,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": next((mode for mode in (query.get("ssl"), query.get("sslmode")) if mode in SSL_MODES), None),
    }
    return {name: str(value) for name, value in variables.items() if value is not None}


@attrs.frozen
class PostgresDump:
    """Runs as the tables' owner (`engine`, `url`). A restore leaves the dump's grants out, so it
    grants `app_role` its tables again; `app_engine`'s pooled connections are dropped with it."""

    engine: AsyncEngine
    url: str
    app_role: str | None = None
    app_engine: AsyncEngine | None = None

    async def schema_revision(self) -> str:
        async with self.engine.connect() as connection:
            if (await connection.scalar(text("SELECT to_regclass('alembic_version')"))) is None:
                raise BackupFailed("the database has no Tatame schema yet: nothing to back up (`tatame migrate` creates it)")
            return str(await connection.scalar(text("SELECT version_num FROM alembic_version")))

    async def holds_tables(self) -> bool:
        async with self.engine.connect() as connection:
            return bool(await connection.scalar(text("SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public')")))

    async def dump(self, file: Path) -> None:
        await self._run("pg_dump", "--format=custom", f"--file={file}")

    async def restore(self, file: Path, *, replace: bool) -> None:
        # As SQL on disk first: a dump that breaks half-way must not reach the database half-read.
        # Owners and grants are the old server's; the restoring user owns everything instead.
        sql = file.with_suffix(".sql")
        try:
            await self._run("pg_restore", "--no-owner", "--no-privileges", f"--file={sql}", str(file))
        except BackupFailed as error:
            raise NotABackup(f"its database dump cannot be read: {error}") from error
        # One transaction, the drop included: a load that fails leaves the database as it was.
        dropping = ["--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public"] if replace else []
        await self._run("psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", *dropping, f"--file={sql}")
        if self.app_role:
            async with self.engine.begin() as connection:
                # A new cluster (a restore elsewhere) may not have the role yet.
                for statement in [row_security.create_role(self.app_role), *row_security.grant(self.app_role)]:
                    await connection.execute(text(statement))
        # Pooled connections cache statements prepared against the tables just replaced.
        await self.engine.dispose()
        if self.app_engine is not None:
            await self.app_engine.dispose()

    async def _server_major(self) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(text("SHOW server_version_num"))) // 10_000

    async def _run(self, tool: str, *arguments: str) -> None:
        binary = find_tool(tool, await self._server_major())
        process = await asyncio.create_subprocess_exec(
            binary,
            *arguments,
            env={**os.environ, **libpq_environment(self.url)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await process.communicate()
        if process.returncode != 0:
            raise BackupFailed(f"{binary.name} ({binary}) failed: {errors.decode(errors='replace').strip()}")
