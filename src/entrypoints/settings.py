import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import platformdirs
from dotenv import dotenv_values

from adapters.shipped import default_knowledge_dir


class SettingsError(ValueError):
    pass


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ENGINES = ("offline", "openai")


def _setting(default: object = attrs.NOTHING, *, env: str | None = None, minimum: int = 0, positive: bool = False, **kwargs: Any) -> Any:
    """A field read from the environment variable `env` (default: the field's name in capitals).
    Numbers are never negative; an int below `minimum`, or a `positive` float of 0, is refused."""
    return attrs.field(default=default, metadata={"env": env, "minimum": minimum, "positive": positive}, **kwargs)


def _variable(field: "attrs.Attribute[Any]") -> str:
    return field.metadata.get("env") or field.name.upper()


def _parse(field: "attrs.Attribute[Any]", raw: str) -> object:
    name, minimum = _variable(field), field.metadata["minimum"]
    kind = next(t for t in getattr(field.type, "__args__", (field.type,)) if t is not type(None))
    if kind is int:
        try:
            value: float = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    elif kind is float:
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    elif kind is Path:
        return Path(raw)
    else:
        return raw
    if kind is int and value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    if value < 0 or (field.metadata["positive"] and value == 0):
        raise SettingsError(f"{name} must be {'more than 0' if field.metadata['positive'] else 'at least 0'}, got {value}")
    return value


def _log_level(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if value not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {value!r}")


def _engine(instance: "Settings", attribute: "attrs.Attribute[str | None]", value: str | None) -> None:
    if value is not None and value not in ENGINES:
        raise SettingsError(f"TATAME_ENGINE must be offline or openai, got {value!r}")
    # attrs runs validators once every field is set, so the key is there to look at.
    if value == "openai" and not instance.openai_api_key:
        raise SettingsError("TATAME_ENGINE=openai needs OPENAI_API_KEY (any value for a server that asks for none)")


def _role(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    # It goes into SQL as an identifier: nothing that would need quoting.
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise SettingsError(f"DATABASE_APP_ROLE must be a lowercase PostgreSQL role name (letters, digits, _), got {value!r}")


def _prices(instance: "Settings", attribute: "attrs.Attribute[float | None]", value: float | None) -> None:
    given = [price is not None for price in (instance.llm_price_input, instance.llm_price_cached_input, value)]
    if any(given) and not (given[0] and given[2]):
        raise SettingsError("LLM_PRICE_INPUT and LLM_PRICE_OUTPUT go together (LLM_PRICE_CACHED_INPUT with them)")


@attrs.frozen(kw_only=True)
class Settings:
    """Everything configurable, read once at start from the environment (and `.env`).
    `.env.example` documents each variable."""

    database_url: str | None = _setting(None)
    """DATABASE_URL: PostgreSQL (postgresql+asyncpg://...). Unset: an embedded server in the data folder."""
    database_connect_timeout: float = _setting(5.0, positive=True)
    """DATABASE_CONNECT_TIMEOUT: seconds a new database connection may take to open; after it, the
    database counts as unavailable (webhooks get a 503, the worker backs off)."""
    database_app_role: str = _setting("tatame_app", validator=_role)
    """DATABASE_APP_ROLE: the role the application's database connections act as (switched to at
    connect time from DATABASE_URL's user, which owns the tables and runs migrations and backups).
    Row-level security confines it to the tenant each transaction sets. The migrations create it
    (NOLOGIN) unless it exists."""
    qdrant_url: str | None = _setting(None)
    """QDRANT_URL: a Qdrant server. Unset: Qdrant local mode in the data folder."""
    qdrant_api_key: str | None = _setting(None)
    """QDRANT_API_KEY: for a Qdrant server that requires one."""
    qdrant_collection: str = _setting("tatame_knowledge")
    """QDRANT_COLLECTION: on a Qdrant server, the one collection all tenants share; in local mode,
    the prefix of each tenant's own collection (`<prefix>-<slug>`)."""
    redis_url: str | None = _setting(None, repr=False)
    """REDIS_URL: the Redis that caches FAQ answers and query embeddings for every process
    (redis://host:6379/0). Unset: each process caches in its own memory."""
    data_dir: Path = _setting(env="TATAME_DATA_DIR", factory=lambda: Path(platformdirs.user_data_dir("tatame")))
    """TATAME_DATA_DIR: where the embedded PostgreSQL and local Qdrant keep their files."""
    knowledge_dir: Path = _setting(factory=default_knowledge_dir)
    """KNOWLEDGE_DIR: the folder of tenant packs, one sub-folder each. Unset: the default pack that ships with tatame."""
    default_tenant: str = _setting("ct-exemplo")
    """DEFAULT_TENANT: the tenant `tatame chat` talks to when --tenant is not given."""
    history_limit: int = _setting(20, minimum=1)
    """HISTORY_LIMIT: how many earlier messages a turn reads as context."""
    human_pause_hours: int = _setting(12, minimum=1)
    """HUMAN_PAUSE_HOURS: after an escalation, the bot stays quiet this long unless staff resume it
    (a center's tenant.yaml may set its own: `front_desk: human_pause_hours`)."""
    buffer_window: float = _setting(15.0)
    """BUFFER_WINDOW: seconds without a new message before a burst is answered as one turn (a
    center's tenant.yaml may set its own: `front_desk: buffer_window_seconds`)."""
    buffer_max: float = _setting(60.0)
    """BUFFER_MAX: the longest a burst waits for its answer, in seconds, however much the member writes."""
    evolution_url: str | None = _setting(None)
    """EVOLUTION_URL: base URL of the Evolution API serving the default tenant's WhatsApp number."""
    evolution_api_key: str | None = _setting(None)
    """EVOLUTION_API_KEY: that instance's API key (sent as the `apikey` header)."""
    evolution_instance: str | None = _setting(None)
    """EVOLUTION_INSTANCE: that instance's name; webhooks naming it belong to the default tenant."""
    evolution_timeout: float = _setting(10.0, positive=True)
    """EVOLUTION_TIMEOUT: seconds a call to Evolution may take before it is given up and retried."""
    webhook_secret: str | None = _setting(None)
    """WEBHOOK_SECRET: shared secret of the webhook: sent as the `X-Webhook-Secret` header, or used as
    Evolution's `jwt_key` (then it arrives as `Authorization: Bearer <HS256 JWT>`)."""
    resume_keyword: str = _setting("#bot")
    """RESUME_KEYWORD: typed by staff on the center's phone, hands the conversation back to the bot."""
    host: str = _setting("127.0.0.1")
    """HOST: where `tatame serve` listens."""
    port: int = _setting(8000, minimum=1)
    """PORT: where `tatame serve` listens."""
    http_keep_alive: float = _setting(8.0, positive=True)
    """HTTP_KEEP_ALIVE: seconds `tatame serve` keeps an idle connection open after a response. Keep it
    longer than the idle timeout of whatever reuses connections to it (the reverse proxy's upstream
    pool; Evolution's Node.js client keeps idle sockets 5 s), so the client closes first: one that
    sends on a connection the server is closing at that very moment gets a reset, not an answer."""
    http_request_timeout: float = _setting(10.0, positive=True)
    """HTTP_REQUEST_TIMEOUT: seconds a client has to send a whole request (head and body), counted from
    when the connection opens or the previous response ends; a connection that stalls is closed."""
    http_max_header_bytes: int = _setting(16_384, minimum=1024)
    """HTTP_MAX_HEADER_BYTES: the largest request head (request line and headers) taken; larger gets a 431."""
    http_max_connections: int = _setting(1000, minimum=1)
    """HTTP_MAX_CONNECTIONS: open connections per server process; beyond it, requests get a 503."""
    worker_poll: float = _setting(0.1)
    """WORKER_POLL: seconds an idle worker waits before looking for due conversations again."""
    worker_lease: float = _setting(30.0)
    """WORKER_LEASE: seconds a worker holds a conversation; a crashed worker's conversations come back after it."""
    outbox_retry: float = _setting(2.0)
    """OUTBOX_RETRY: seconds before the first retry of a failed send; doubles each time (at most 5 min, 8 tries)."""
    log_level: str = _setting("WARNING", converter=str.upper, validator=_log_level)
    """LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""
    openai_api_key: str | None = _setting(None, repr=False)
    """OPENAI_API_KEY: the language model's key; set, it makes `openai` the engine unless TATAME_ENGINE says otherwise."""
    openai_base_url: str | None = _setting(None)
    """OPENAI_BASE_URL: any OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1). Unset: OpenAI's."""
    openai_model: str = _setting("gpt-4o-mini")
    """OPENAI_MODEL: the chat model asked."""
    openai_embedding_model: str | None = _setting(None)
    """OPENAI_EMBEDDING_MODEL: the embedding model of the openai engine's dense vectors, fused with BM25.
    Unset: BM25 alone. Another model (or none) re-indexes every section on the next ingest."""
    openai_timeout: float = _setting(15.0, positive=True)
    """OPENAI_TIMEOUT: seconds a model call may take; past it the offline engine answers the turn."""
    llm_monthly_budget_usd: float = _setting(20.0, positive=True)
    """LLM_MONTHLY_BUDGET_USD: what a tenant's calls to a priced model may cost in a calendar month
    (UTC), unless its tenant.yaml sets `llm: monthly_budget_usd`; past it the offline engine answers."""
    llm_monthly_budget_tokens: int | None = _setting(None, minimum=1)
    """LLM_MONTHLY_BUDGET_TOKENS: the same ceiling in tokens, for a model without a price (tenant.yaml:
    `llm: monthly_budget_tokens`). Unset: no ceiling for such a model."""
    llm_price_input: float | None = _setting(None)
    """LLM_PRICE_INPUT: USD per million prompt tokens of OPENAI_MODEL, instead of the price table's."""
    llm_price_cached_input: float | None = _setting(None)
    """LLM_PRICE_CACHED_INPUT: USD per million prompt tokens served from the provider's cache. Unset: LLM_PRICE_INPUT."""
    llm_price_output: float | None = _setting(None, validator=_prices)
    """LLM_PRICE_OUTPUT: USD per million completion tokens; set with LLM_PRICE_INPUT."""
    llm_breaker_failures: int = _setting(5, minimum=1)
    """LLM_BREAKER_FAILURES: consecutive provider failures (timeout, 429, 5xx, no connection) that stop the calls."""
    llm_breaker_cooldown: float = _setting(60.0, positive=True)
    """LLM_BREAKER_COOLDOWN: seconds without calls after that; then one call tests the provider."""
    engine_choice: str | None = _setting(None, env="TATAME_ENGINE", converter=attrs.converters.optional(str.lower), validator=_engine)
    """TATAME_ENGINE: offline or openai. Unset: openai when OPENAI_API_KEY is set, else offline."""
    retention_days: int | None = _setting(None, minimum=1)
    """RETENTION_DAYS: conversations (their messages and outbox entries) without activity for this many
    days are deleted by a daily job of the worker; trial classes stay booked. Unset: kept."""
    webhook_url: str | None = _setting(None)
    """WEBHOOK_URL: where Evolution posts the webhooks, as `tatame channels connect` sets it at the
    instance (compose: http://bot:8000/webhooks/evolution, inside its network)."""

    public_url: str | None = _setting(None)
    """PUBLIC_URL: where people reach the service (https://tatame.example.com.br). https makes the
    dashboard's cookies Secure (sent over HTTPS only)."""
    dashboard_session_hours: float = _setting(12.0, positive=True)
    """DASHBOARD_SESSION_HOURS: how long a dashboard login lasts; then staff sign in again."""
    dashboard_secret: str | None = _setting(None, repr=False)
    """DASHBOARD_SECRET: signs the dashboard's CSRF tokens; every server process must share it.
    Unset: derived from WEBHOOK_SECRET, else random for this process (a single-process server)."""

    metrics_token: str | None = _setting(None, repr=False)
    """METRICS_TOKEN: set, `GET /metrics` answers only requests with `Authorization: Bearer <token>`.
    Unset: only requests from loopback or private (RFC 1918) addresses, such as the compose network's."""

    @property
    def send_lease(self) -> float:
        """Seconds an outbox entry is left to the worker sending it: longer than the connect, write
        and read timeouts of one Evolution call together."""
        return 3 * self.evolution_timeout

    @property
    def secure_cookies(self) -> bool:
        return (self.public_url or "").lower().startswith("https://")

    @property
    def engine(self) -> str:
        """The engine that answers turns: `offline` or `openai` (which falls back to offline on a failure)."""
        return self.engine_choice or ("openai" if self.openai_api_key else "offline")

    @classmethod
    def variables(cls) -> list[str]:
        """The environment variables read, one per field."""
        return [_variable(field) for field in attrs.fields(cls)]

    def environment(self) -> dict[str, str]:
        """These settings as the variables `from_env` reads back: how a child process gets them."""
        return {
            _variable(field): "" if value is None else str(value)
            for field, value in zip(attrs.fields(type(self)), attrs.astuple(self, recurse=False), strict=True)
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> "Settings":
        """The process environment wins over `.env`, which only fills in what is unset; a variable
        left empty takes the field's default."""
        env = {**(dotenv_values(env_file) if env_file and env_file.is_file() else {}), **(environ if environ is not None else os.environ)}
        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            raw = (env.get(_variable(field)) or "").strip()
            if raw:
                values[field.name] = _parse(field, raw)
        return cls(**values)
