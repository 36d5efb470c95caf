import tempfile
from pathlib import Path
from typing import BinaryIO

import attrs

from application.backup_archive import BackupArchive, Manifest
from application.clock import Clock
from application.database_dump import DatabaseDump


@attrs.define
class BackUp:
    """Writes the database and the knowledge packs, with a manifest, as one backup file."""

    database: DatabaseDump
    archive: BackupArchive
    clock: Clock
    tatame_version: str

    async def execute(self, target: BinaryIO, knowledge_dir: Path) -> Manifest:
        manifest = Manifest(
            tatame_version=self.tatame_version, schema_revision=await self.database.schema_revision(), created_at=self.clock.now()
        )
        with tempfile.TemporaryDirectory(prefix="tatame-backup-") as scratch:
            dump = Path(scratch) / "database.dump"
            await self.database.dump(dump)
            self.archive.write(target, manifest, dump, knowledge_dir)
        return manifest
