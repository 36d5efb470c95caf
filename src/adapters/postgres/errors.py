import asyncio
import random
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

import asyncpg
from sqlalchemy import exc

T = TypeVar("T")

# SQLSTATEs of a transaction that PostgreSQL aborted because of a concurrent one, not because of
# anything wrong in it: run again, it meets the other one committed.
DEADLOCK, SERIALIZATION_FAILURE, UNIQUE_VIOLATION = "40P01", "40001", "23505"
CONFLICTS = frozenset({DEADLOCK, SERIALIZATION_FAILURE})
# Enough for a burst of deliveries of one member to get through; more means something is wrong.
CONFLICT_ATTEMPTS = 5

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


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of an asyncpg error, raw or wrapped by SQLAlchemy."""
    for candidate in (error, getattr(error, "orig", None), error.__cause__):
        if (code := getattr(candidate, "sqlstate", None)) is not None:
            return code
    return None


async def retry_conflicts(
    work: Callable[[], Awaitable[T]], *, states: Collection[str] = CONFLICTS, attempts: int = CONFLICT_ATTEMPTS
) -> T:
    """Runs `work`, a whole transaction, again when it failed with one of `states`, up to
    `attempts` times in all; the last failure is raised as it came."""
    attempt = 1
    while True:
        try:
            return await work()
        except Exception as error:
            if attempt >= attempts or sqlstate(error) not in states:
                raise
        # A random pause, so that the two transactions that met do not meet again in step.
        await asyncio.sleep(random.uniform(0, 0.005 * attempt))
        attempt += 1
