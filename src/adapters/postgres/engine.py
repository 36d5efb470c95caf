from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from adapters.postgres.tables import map_tables


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    map_tables()
    # No pre-ping: it costs a round trip per request on the webhook's hot path. A connection the
    # server dropped fails its request once; the pool then discards it and the request is retried
    # (`entrypoints.requests.in_request`, or Evolution retrying the 503).
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    # expire_on_commit=False: entities stay readable after the use case commits.
    return async_sessionmaker(engine, expire_on_commit=False)
