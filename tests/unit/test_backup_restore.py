import datetime as dt
import io
from pathlib import Path

import attrs
import pytest

from adapters.clock import SettableClock
from adapters.tar_backup import TarBackupArchive
from application.back_up import BackUp
from application.backup_archive import Manifest
from application.restore_backup import DatabaseInUse, RestoreBackup, SchemaTooNew

NOW = dt.datetime(2026, 12, 2, 3, 15, tzinfo=dt.UTC)


@attrs.define
class FakeDatabaseDump:
    revision: str = "0005"
    content: bytes = b"PGDMP rows"
    tables: bool = True
    restored: list[tuple[bytes, bool]] = attrs.field(factory=list)

    async def schema_revision(self) -> str:
        return self.revision

    async def holds_tables(self) -> bool:
        return self.tables

    async def dump(self, file: Path) -> None:
        file.write_bytes(self.content)

    async def restore(self, file: Path, *, replace: bool) -> None:
        self.restored.append((file.read_bytes(), replace))


@attrs.frozen
class FakeSchemaHistory:
    revisions: tuple[str, ...] = ("0001", "0005")

    def head(self) -> str:
        return self.revisions[-1]

    def knows(self, revision: str) -> bool:
        return revision in self.revisions


def _pack(folder: Path, slug: str, text: str) -> None:
    (folder / slug).mkdir(parents=True)
    (folder / slug / "faq.md").write_text(text)


async def _backup(tmp_path: Path, database: FakeDatabaseDump) -> io.BytesIO:
    knowledge = tmp_path / "source"
    _pack(knowledge, "ct-exemplo", "# Planos\nR$ 189")
    archive = io.BytesIO()
    manifest = await BackUp(database, TarBackupArchive(), SettableClock(NOW), "0.1.0").execute(archive, knowledge)
    assert manifest == Manifest(tatame_version="0.1.0", schema_revision=database.revision, created_at=NOW)
    archive.seek(0)
    return archive


class TestRestoreBackup:
    async def test_the_database_and_packs_come_back_other_packs_stay(self, tmp_path):
        archive = await _backup(tmp_path, FakeDatabaseDump())
        target = tmp_path / "knowledge"
        _pack(target, "ct-exemplo", "edited after the backup")
        _pack(target, "ct-outro", "not in the backup")
        database = FakeDatabaseDump(content=b"", tables=False)

        manifest = await RestoreBackup(database, TarBackupArchive(), FakeSchemaHistory()).execute(archive, target, replace=False)

        assert manifest.created_at == NOW and database.restored == [(b"PGDMP rows", False)]
        assert (target / "ct-exemplo" / "faq.md").read_text() == "# Planos\nR$ 189"
        assert (target / "ct-outro" / "faq.md").read_text() == "not in the backup"

    async def test_a_newer_schema_is_refused_before_anything_is_touched(self, tmp_path):
        archive = await _backup(tmp_path, FakeDatabaseDump(revision="0009"))
        database = FakeDatabaseDump(tables=False)
        with pytest.raises(SchemaTooNew, match=r"revision 0009.*newest is 0005.*Tatame 0\.1\.0"):
            await RestoreBackup(database, TarBackupArchive(), FakeSchemaHistory()).execute(archive, tmp_path / "k", replace=True)
        assert database.restored == [] and not (tmp_path / "k").exists()

    async def test_a_database_with_tables_is_replaced_only_when_asked(self, tmp_path):
        database = FakeDatabaseDump(tables=True)
        restore = RestoreBackup(database, TarBackupArchive(), FakeSchemaHistory())
        with pytest.raises(DatabaseInUse, match="--force"):
            await restore.execute(await _backup(tmp_path / "a", FakeDatabaseDump()), tmp_path / "k", replace=False)
        assert database.restored == []
        await restore.execute(await _backup(tmp_path / "b", FakeDatabaseDump()), tmp_path / "k", replace=True)
        assert database.restored == [(b"PGDMP rows", True)]
