"""`tatame backup` and `tatame restore` on real PostgreSQL: the restore drill, and the files it refuses."""

import asyncio
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.clock import SettableClock
from adapters.postgres.dump import libpq_environment
from adapters.postgres.migrate import AlembicSchemaHistory
from adapters.postgres.pg_tools import find_tool
from adapters.postgres.tables import metadata
from adapters.tar_backup import TarBackupArchive
from adapters.terminal import TerminalGateway
from application.backup_archive import BackupFailed, Manifest
from application.gateway import Gateways
from application.handle_turn import TurnResult
from application.ingest_knowledge import cli_channel_name
from domain.phone import Phone
from domain.route import Route
from entrypoints.cli import main
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests import PROJECT_ROOT
from tests.e2e.conftest import NOW
from tests.e2e.database import empty_database

Snapshot = dict[str, list[tuple[object, ...]]]


@pytest.fixture
def backup_settings(own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI runs in this process on these settings (from the environment, as in production)."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", knowledge / "ct-exemplo")
    settings = Settings(database_url=own_database, data_dir=tmp_path / "data", knowledge_dir=knowledge)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    # `main` configures logging for the process, for good: it would hide the INFO events later tests capture.
    monkeypatch.setattr("entrypoints.cli.configure_logging", lambda level: None)
    for name in ("DATABASE_URL", "TATAME_DATA_DIR", "KNOWLEDGE_DIR"):
        monkeypatch.setenv(name, settings.environment()[name])
    return settings


async def _tatame(*argv: str) -> int:
    # `main` runs its own event loop: a thread of its own keeps it apart from the test's.
    return await asyncio.to_thread(main, list(argv))


async def _snapshot(url: str) -> Snapshot:
    """Every row of every table, in primary key order."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: [tuple(row) for row in await connection.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in metadata.sorted_tables
            }
    finally:
        await engine.dispose()


async def _tables(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) or 0)
    finally:
        await engine.dispose()


async def _says(member: TerminalConversation, text: str) -> TurnResult:
    result = await member.say(text)
    assert result is not None, "every message here is a turn of its own"
    return result


async def _converse(settings: Settings) -> tuple[Snapshot, dict[str, TerminalConversation]]:
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), SettableClock(NOW))
    try:
        await prepare(container)
        members = {
            name: TerminalConversation(container, cli_channel_name("ct-exemplo"), Phone(phone))
            for name, phone in (("booked", "5511933330001"), ("escalated", "5511933330002"), ("asking", "5511933330003"))
        }
        assert (
            await _says(members["booked"], "quero fazer uma aula experimental de muay thai amanhã às 19h, sou a Ana")
        ).route is Route.BOOKING
        assert "confirmada" in ((await _says(members["booked"], "sim")).reply or "")
        assert (await _says(members["escalated"], "quanto custa o personal trainer?")).route is Route.ESCALATE
        assert (await _says(members["escalated"], "oi? alguém?")).route is Route.PAUSED
        assert (await _says(members["asking"], "quanto custa o plano mensal?")).route is Route.FAQ
    finally:
        await container.close()
    return await _snapshot(settings.database_url or ""), members


async def test_a_restored_backup_holds_every_row_and_the_bot_carries_on(backup_settings, admin_url, tmp_path, capsys):
    url = backup_settings.database_url
    before, members = await _converse(backup_settings)
    assert all(before[table] for table in ("conversations", "messages", "trial_classes", "escalations", "status_changes"))

    backup = tmp_path / "nightly.tar"
    assert await _tatame("backup", str(backup)) == 0
    assert f"schema {AlembicSchemaHistory().head()}" in capsys.readouterr().err

    await empty_database(admin_url, url)
    shutil.rmtree(backup_settings.knowledge_dir)
    assert await _tatame("restore", str(backup)) == 0
    assert "ct-exemplo: " in capsys.readouterr().out
    assert await _snapshot(url) == before
    assert (backup_settings.knowledge_dir / "ct-exemplo" / "tenant.yaml").is_file()

    # Over a database in use, only when asked to; then it is the backup's content again, nothing more.
    assert await _tatame("restore", str(backup)) == 1
    assert "--force" in capsys.readouterr().err
    container = make_container(backup_settings, Gateways(TerminalGateway(io.StringIO())), SettableClock(NOW + dt.timedelta(minutes=5)))
    try:
        await prepare(container)
        await _says(TerminalConversation(container, cli_channel_name("ct-exemplo"), Phone("5511933330009")), "oi")
    finally:
        await container.close()
    assert await _tatame("restore", "--force", str(backup)) == 0
    assert await _snapshot(url) == before

    container = make_container(backup_settings, Gateways(TerminalGateway(io.StringIO())), SettableClock(NOW + dt.timedelta(minutes=10)))
    try:
        await prepare(container)
        for member in members.values():
            member.container = container
        escalated = members["escalated"].received
        assert (await _says(members["escalated"], "alguém aí?")).route is Route.PAUSED
        assert members["escalated"].received == escalated
        asking = members["asking"].received
        answered = await _says(members["asking"], "e o plano anual?")
        assert answered.route is Route.FAQ and answered.reply
        assert members["asking"].received == asking
    finally:
        await container.close()


async def test_a_forced_restore_that_fails_leaves_the_database_as_it_was(backup_settings, tmp_path, capsys):
    url = backup_settings.database_url or ""
    assert await _tatame("migrate") == 0
    await _execute(url, "CREATE SCHEMA extra")
    backup = tmp_path / "with-extra.tar"
    assert await _tatame("backup", str(backup)) == 0
    tables = await _tables(url)
    capsys.readouterr()

    # `extra` is still there and --force drops only `public`: the load stops at CREATE SCHEMA extra.
    assert await _tatame("restore", "--force", str(backup)) == 1
    assert 'schema "extra" already exists' in capsys.readouterr().err
    assert await _tables(url) == tables > 0


async def _execute(url: str, statement: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


def _write_backup(path: Path, revision: str, dump: bytes, knowledge: Path) -> None:
    dump_file = path.with_suffix(".dump")
    dump_file.write_bytes(dump)
    manifest = Manifest(tatame_version="9.9.9", schema_revision=revision, created_at=dt.datetime.now(dt.UTC))
    with path.open("wb") as target:
        TarBackupArchive().write(target, manifest, dump_file, knowledge)


async def test_a_backup_of_a_newer_schema_is_refused_naming_both_revisions(backup_settings, tmp_path, capsys):
    backup = tmp_path / "future.tar"
    _write_backup(backup, "0999_future", b"PGDMP", backup_settings.knowledge_dir)
    assert await _tatame("restore", str(backup)) == 1
    error = capsys.readouterr().err
    assert "0999_future" in error and AlembicSchemaHistory().head() in error and "9.9.9" in error
    assert await _tables(backup_settings.database_url or "") == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a backup at all", "not a Tatame backup"),
        (b"", "not a Tatame backup"),
        ("dump", "its database dump cannot be read"),
        ("no-manifest", "does not start with manifest.json"),
    ],
)
async def test_a_file_that_is_no_backup_is_a_clear_error(backup_settings, tmp_path, capsys, content, message):
    backup = tmp_path / "broken.tar"
    if content == "dump":
        _write_backup(backup, AlembicSchemaHistory().head(), b"not a pg_dump file", backup_settings.knowledge_dir)
    elif content == "no-manifest":
        shutil.make_archive(str(tmp_path / "broken"), "tar", backup_settings.knowledge_dir)
    else:
        backup.write_bytes(content)
    assert await _tatame("restore", str(backup)) == 1
    assert message in capsys.readouterr().err


def test_a_server_newer_than_every_pg_dump_is_named_with_the_tools_found():
    with pytest.raises(BackupFailed, match=r"PostgreSQL 99, newer than every pg_dump found \(.*pginstall.*\).*postgresql-client-99"):
        find_tool("pg_dump", 99)


def test_the_tools_of_the_servers_own_major_version_are_preferred():
    # The wheel ships 16 and 18: a 16 server must not get 18's pg_restore, whose settings it rejects.
    assert _version(find_tool("pg_restore", 16)).startswith("16.")
    assert _version(find_tool("pg_dump", 17)).startswith(("17.", "18."))


def _version(tool: Path) -> str:
    return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]


def test_the_embedded_servers_socket_folder_is_the_host_and_the_password_stays_off_the_command_line():
    assert libpq_environment("postgresql+asyncpg://postgres@/postgres?host=/run/tatame") == {
        "PGHOST": "/run/tatame",
        "PGUSER": "postgres",
        "PGDATABASE": "postgres",
    }
    assert libpq_environment("postgresql+asyncpg://tatame:s3cret@postgres:5432/tatame?ssl=require") == {
        "PGHOST": "postgres",
        "PGPORT": "5432",
        "PGUSER": "tatame",
        "PGPASSWORD": "s3cret",
        "PGDATABASE": "tatame",
        "PGSSLMODE": "require",
    }
