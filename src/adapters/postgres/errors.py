import asyncpg
from sqlalchemy import exc

# What asyncpg raises itself, where it is used without SQLAlchemy (the inbox's hot path): the
# server is gone (class 08 errors, a closed connection, a shutdown).
DRIVER_OUTAGES: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
)


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached (worth retrying), as opposed to a
    query or data problem (not worth it)."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (exc.OperationalError, exc.InterfaceError, ConnectionError, TimeoutError, OSError, *DRIVER_OUTAGES))
