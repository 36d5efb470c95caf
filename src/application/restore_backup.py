import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

import attrs

from application.backup_archive import BackupArchive, BackupFailed, Manifest
from application.database_dump import DatabaseDump
from application.schema_history import SchemaHistory


class SchemaTooNew(BackupFailed):
    """The backup's schema is newer than this code's: running on it would misread the data."""


class DatabaseInUse(BackupFailed):
    """The target database already holds tables and replacing them was not asked for."""


@attrs.define
class RestoreBackup:
    """Restores a backup's database and knowledge packs. The database then needs migrating to
    head (a backup may be older than the code) and the packs re-indexing."""

    database: DatabaseDump
    archive: BackupArchive
    schema: SchemaHistory

    async def execute(self, source: BinaryIO, knowledge_dir: Path, *, replace: bool) -> Manifest:
        """With `replace`, the database's current content is dropped; without it, a database with
        tables is refused. Each pack of the backup replaces the folder of the same name in
        `knowledge_dir`; other folders there stay."""
        with tempfile.TemporaryDirectory(prefix="tatame-restore-") as scratch:
            contents = self.archive.read(source, Path(scratch))
            revision = contents.manifest.schema_revision
            if not self.schema.knows(revision):
                raise SchemaTooNew(
                    f"the backup's schema is at revision {revision}, which this Tatame does not know (its newest is "
                    f"{self.schema.head()}): restore it with Tatame {contents.manifest.tatame_version}, which made it, or a newer one"
                )
            if not replace and await self.database.holds_tables():
                raise DatabaseInUse("the database already holds tables: restore into an empty one, or pass --force to replace its content")
            await self.database.restore(contents.database_dump, replace=replace)
            _copy_packs(contents.knowledge_dir, knowledge_dir)
        return contents.manifest


def _copy_packs(packs: Path, knowledge_dir: Path) -> None:
    try:
        knowledge_dir.mkdir(parents=True, exist_ok=True)
        for pack in sorted(p for p in packs.iterdir() if p.is_dir()):
            shutil.rmtree(knowledge_dir / pack.name, ignore_errors=True)
            shutil.copytree(pack, knowledge_dir / pack.name)
    except OSError as error:
        raise BackupFailed(f"the database is restored, but not the knowledge packs: {error}") from error
