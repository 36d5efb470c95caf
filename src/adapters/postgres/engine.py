from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from adapters.postgres.errors import translate_errors, unavailable
from adapters.postgres.session import ScopedSession
from adapters.postgres.tables import map_tables


class _Pool(AsyncAdaptedQueuePool):
    """Every connection busy for the whole pool timeout means a database too slow to use."""

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except exc.TimeoutError as error:
            raise unavailable(error) from error


def make_engine(url: str, pool_size: int = 10, connect_timeout: float = 5.0, role: str | None = None) -> AsyncEngine:
    """An engine that raises `StorageUnavailable` when the database cannot be reached or used;
    a connection that does not open within `connect_timeout` seconds counts as unreachable.
    With `role`, every connection acts as that role from its start (a startup parameter, no round
    trip): the application's role, which row-level security confines to a tenant (`row_security`)."""
    map_tables()
    # No pre-ping: it costs a round trip per request on the webhook's hot path. A connection the
    # server dropped fails its request once; the pool then discards it and the request is retried
    # (`entrypoints.requests.in_request`, the worker's next round, or Evolution retrying the 503).
    # hide_parameters: an error's message would otherwise quote the statement's values, a member's
    # text or phone among them, into the logs.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        poolclass=_Pool,
        connect_args={"timeout": connect_timeout, **({"server_settings": {"role": role}} if role else {})},
        hide_parameters=True,
    )
    translate_errors(engine)
    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    # expire_on_commit=False: entities stay readable after the use case commits.
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=ScopedSession)
