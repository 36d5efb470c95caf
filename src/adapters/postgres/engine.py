from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from adapters.postgres.tables import map_tables


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    map_tables()
    # pre_ping replaces connections the server dropped (a restart, an idle timeout) instead of failing a turn.
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    # expire_on_commit=False: entities stay readable after the use case commits.
    return async_sessionmaker(engine, expire_on_commit=False)
