import datetime as dt
from pathlib import Path
from typing import BinaryIO, Protocol

import attrs


class BackupFailed(Exception):
    """A backup could not be made or restored; the message says why and what to do."""


class NotABackup(BackupFailed):
    """The file is not a Tatame backup, or is damaged."""


@attrs.frozen(kw_only=True)
class Manifest:
    """What a backup says about itself, read before anything is restored."""

    tatame_version: str
    schema_revision: str  # the alembic revision the database was at
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class BackupContents:
    """An archive's parts, unpacked into a scratch folder."""

    manifest: Manifest
    database_dump: Path
    knowledge_dir: Path


class BackupArchive(Protocol):
    """One file holding a database dump, the knowledge packs and their manifest."""

    def write(self, target: BinaryIO, manifest: Manifest, database_dump: Path, knowledge_dir: Path) -> None:
        """Writes the archive to `target`, the manifest first so a reader can refuse early."""

    def read(self, source: BinaryIO, scratch: Path) -> BackupContents:
        """Unpacks the archive into `scratch`; raises `NotABackup` for anything that is not a
        complete Tatame backup."""
