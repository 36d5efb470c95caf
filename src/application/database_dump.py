from pathlib import Path
from typing import Protocol


class DatabaseDump(Protocol):
    """Tatame's database as one file. Every method raises `BackupFailed` (nothing else) when the
    database or its dump tools cannot do what was asked."""

    async def schema_revision(self) -> str:
        """The schema revision the database is at."""

    async def holds_tables(self) -> bool:
        """Whether the database has any table: restoring over it would mix two histories."""

    async def dump(self, file: Path) -> None:
        """Writes the whole database to `file`."""

    async def restore(self, file: Path, *, replace: bool) -> None:
        """Loads a dump written by `dump`, all or nothing. With `replace`, whatever the database
        holds is dropped first, in the same transaction; without it, the database must hold no
        table. Raises `NotABackup` for a file that is not such a dump, before the database is
        touched."""
