import os
from collections.abc import Mapping
from pathlib import Path

import attrs
import platformdirs
from dotenv import dotenv_values

# The repository root; knowledge/ ships beside src/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    pass


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float, *, positive: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0 or (positive and value == 0):
        raise SettingsError(f"{name} must be {'more than 0' if positive else 'at least 0'}, got {value}")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


@attrs.frozen(kw_only=True)
class Settings:
    """Everything configurable, read once at start from the environment (and `.env`).
    `.env.example` documents each variable."""

    database_url: str | None = None
    """DATABASE_URL: PostgreSQL (postgresql+asyncpg://...). Unset: an embedded server in the data folder."""
    qdrant_url: str | None = None
    """QDRANT_URL: a Qdrant server. Unset: Qdrant local mode in the data folder."""
    qdrant_api_key: str | None = None
    """QDRANT_API_KEY: for a Qdrant server that requires one."""
    qdrant_collection: str = "tatame_knowledge"
    """QDRANT_COLLECTION: the one collection all tenants share."""
    data_dir: Path
    """TATAME_DATA_DIR: where the embedded PostgreSQL and local Qdrant keep their files."""
    knowledge_dir: Path
    """KNOWLEDGE_DIR: the folder of tenant packs, one sub-folder each."""
    default_tenant: str = "ct-exemplo"
    """DEFAULT_TENANT: the tenant `tatame chat` talks to when --tenant is not given."""
    history_limit: int = 20
    """HISTORY_LIMIT: how many earlier messages a turn reads as context."""
    human_pause_hours: int = 12
    """HUMAN_PAUSE_HOURS: after an escalation, the bot stays quiet this long unless staff resume it."""
    buffer_window: float = 15.0
    """BUFFER_WINDOW: seconds without a new message before a burst is answered as one turn."""
    buffer_max: float = 60.0
    """BUFFER_MAX: the longest a burst waits for its answer, in seconds, however much the member writes."""
    evolution_url: str | None = None
    """EVOLUTION_URL: base URL of the Evolution API serving the default tenant's WhatsApp number."""
    evolution_api_key: str | None = None
    """EVOLUTION_API_KEY: that instance's API key (sent as the `apikey` header)."""
    evolution_instance: str | None = None
    """EVOLUTION_INSTANCE: that instance's name; webhooks naming it belong to the default tenant."""
    evolution_timeout: float = 10.0
    """EVOLUTION_TIMEOUT: seconds a call to Evolution may take before it is given up and retried."""
    webhook_secret: str | None = None
    """WEBHOOK_SECRET: shared secret of the webhook: sent as the `X-Webhook-Secret` header, or used as
    Evolution's `jwt_key` (then it arrives as `Authorization: Bearer <HS256 JWT>`)."""
    resume_keyword: str = "#bot"
    """RESUME_KEYWORD: typed by staff on the center's phone, hands the conversation back to the bot."""
    host: str = "127.0.0.1"
    """HOST: where `tatame serve` listens."""
    port: int = 8000
    """PORT: where `tatame serve` listens."""
    http_keep_alive: float = 5.0
    """HTTP_KEEP_ALIVE: seconds `tatame serve` keeps an idle connection open after a response. Keep it
    longer than the reverse proxy's idle timeout for upstream connections, so the proxy closes first."""
    http_request_timeout: float = 10.0
    """HTTP_REQUEST_TIMEOUT: seconds a client has to send a whole request (head and body), counted from
    when the connection opens or the previous response ends; a connection that stalls is closed."""
    http_max_header_bytes: int = 16_384
    """HTTP_MAX_HEADER_BYTES: the largest request head (request line and headers) taken; larger gets a 431."""
    http_max_connections: int = 1000
    """HTTP_MAX_CONNECTIONS: open connections per server process; beyond it, requests get a 503."""
    worker_poll: float = 0.1
    """WORKER_POLL: seconds an idle worker waits before looking for due conversations again."""
    worker_lease: float = 30.0
    """WORKER_LEASE: seconds a worker holds a conversation; a crashed worker's conversations come back after it."""
    outbox_retry: float = 2.0
    """OUTBOX_RETRY: seconds before the first retry of a failed send; doubles each time (at most 5 min, 8 tries)."""
    log_level: str = "WARNING"
    """LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""

    @property
    def send_lease(self) -> float:
        """Seconds an outbox entry is left to the worker sending it: longer than the connect, write
        and read timeouts of one Evolution call together."""
        return 3 * self.evolution_timeout

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> "Settings":
        """The process environment wins over `.env`, which only fills in what is unset."""
        env = {**(dotenv_values(env_file) if env_file and env_file.is_file() else {}), **(environ if environ is not None else os.environ)}
        env = {k: v for k, v in env.items() if v is not None}
        data_dir = _optional(env, "TATAME_DATA_DIR")
        knowledge_dir = _optional(env, "KNOWLEDGE_DIR")
        log_level = (_optional(env, "LOG_LEVEL") or "WARNING").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
        return cls(
            database_url=_optional(env, "DATABASE_URL"),
            qdrant_url=_optional(env, "QDRANT_URL"),
            qdrant_api_key=_optional(env, "QDRANT_API_KEY"),
            qdrant_collection=_optional(env, "QDRANT_COLLECTION") or "tatame_knowledge",
            data_dir=Path(data_dir) if data_dir else Path(platformdirs.user_data_dir("tatame")),
            knowledge_dir=Path(knowledge_dir) if knowledge_dir else PROJECT_ROOT / "knowledge",
            default_tenant=_optional(env, "DEFAULT_TENANT") or "ct-exemplo",
            history_limit=_int(env, "HISTORY_LIMIT", 20, minimum=1),
            human_pause_hours=_int(env, "HUMAN_PAUSE_HOURS", 12, minimum=1),
            buffer_window=_seconds(env, "BUFFER_WINDOW", 15.0),
            buffer_max=_seconds(env, "BUFFER_MAX", 60.0),
            evolution_url=_optional(env, "EVOLUTION_URL"),
            evolution_api_key=_optional(env, "EVOLUTION_API_KEY"),
            evolution_instance=_optional(env, "EVOLUTION_INSTANCE"),
            evolution_timeout=_seconds(env, "EVOLUTION_TIMEOUT", 10.0, positive=True),
            webhook_secret=_optional(env, "WEBHOOK_SECRET"),
            resume_keyword=_optional(env, "RESUME_KEYWORD") or "#bot",
            host=_optional(env, "HOST") or "127.0.0.1",
            port=_int(env, "PORT", 8000, minimum=1),
            http_keep_alive=_seconds(env, "HTTP_KEEP_ALIVE", 5.0, positive=True),
            http_request_timeout=_seconds(env, "HTTP_REQUEST_TIMEOUT", 10.0, positive=True),
            http_max_header_bytes=_int(env, "HTTP_MAX_HEADER_BYTES", 16_384, minimum=1024),
            http_max_connections=_int(env, "HTTP_MAX_CONNECTIONS", 1000, minimum=1),
            worker_poll=_seconds(env, "WORKER_POLL", 0.1),
            worker_lease=_seconds(env, "WORKER_LEASE", 30.0),
            outbox_retry=_seconds(env, "OUTBOX_RETRY", 2.0),
            log_level=log_level,
        )
