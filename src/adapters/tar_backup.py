"""A backup as a tar archive: `manifest.json` first, then `database.dump` (pg_dump's custom
format, compressed already, so the archive is not) and the packs under `knowledge/`."""

import datetime as dt
import io
import json
import tarfile
from pathlib import Path
from typing import BinaryIO

from application.backup_archive import BackupContents, Manifest, NotABackup

MANIFEST = "manifest.json"
DATABASE_DUMP = "database.dump"
KNOWLEDGE = "knowledge"
# Bumped when the layout changes, so an older Tatame refuses a layout it cannot read.
FORMAT = 1


def _manifest_json(manifest: Manifest) -> bytes:
    return json.dumps(
        {
            "format": FORMAT,
            "tatame_version": manifest.tatame_version,
            "schema_revision": manifest.schema_revision,
            "created_at": manifest.created_at.isoformat(),
        },
        indent=2,
    ).encode()


def _parse_manifest(raw: bytes) -> Manifest:
    try:
        fields = json.loads(raw)
        if fields["format"] != FORMAT:
            raise NotABackup(f"backup layout {fields['format']}, this Tatame reads layout {FORMAT}")
        return Manifest(
            tatame_version=str(fields["tatame_version"]),
            schema_revision=str(fields["schema_revision"]),
            created_at=dt.datetime.fromisoformat(fields["created_at"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise NotABackup(f"its {MANIFEST} is damaged ({error!r})") from error


class TarBackupArchive:
    def write(self, target: BinaryIO, manifest: Manifest, database_dump: Path, knowledge_dir: Path) -> None:
        # Stream mode ("w|"): the target may be a pipe, such as standard output.
        with tarfile.open(fileobj=target, mode="w|") as archive:
            raw = _manifest_json(manifest)
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(raw), int(manifest.created_at.timestamp())
            archive.addfile(info, io.BytesIO(raw))
            archive.add(database_dump, DATABASE_DUMP)
            archive.add(knowledge_dir, KNOWLEDGE, filter=_without_caches)

    def read(self, source: BinaryIO, scratch: Path) -> BackupContents:
        try:
            return self._read(source, scratch)
        except (tarfile.TarError, EOFError) as error:
            raise NotABackup(f"not a Tatame backup, or a damaged one: {error}") from error

    def _read(self, source: BinaryIO, scratch: Path) -> BackupContents:
        with tarfile.open(fileobj=source, mode="r|") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST:
                raise NotABackup(f"not a Tatame backup: it does not start with {MANIFEST}")
            extracted = archive.extractfile(first)
            if extracted is None:
                raise NotABackup(f"not a Tatame backup: its {MANIFEST} is not a file")
            manifest = _parse_manifest(extracted.read())
            # One member at a time: a stream cannot go back to the manifest, as extractall would.
            while (member := archive.next()) is not None:
                if member.name != DATABASE_DUMP and Path(member.name).parts[0] != KNOWLEDGE:
                    raise NotABackup(f"not a Tatame backup: it holds {member.name!r}")
                # The "data" filter refuses absolute paths, links out of `scratch` and device files.
                archive.extract(member, scratch, filter="data")
        dump, knowledge = scratch / DATABASE_DUMP, scratch / KNOWLEDGE
        if not dump.is_file() or not knowledge.is_dir():
            raise NotABackup(f"an incomplete backup: it lacks {DATABASE_DUMP} or {KNOWLEDGE}/")
        return BackupContents(manifest=manifest, database_dump=dump, knowledge_dir=knowledge)


def _without_caches(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if "__pycache__" in Path(member.name).parts else member
