"""Driver errors become application errors here, so nothing above the adapter knows SQLAlchemy or
asyncpg: a database that cannot be reached or used raises `StorageUnavailable`, a transaction aborted
for a concurrent one `TransactionConflict`."""

import asyncio
import random
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from application.errors import StorageUnavailable, TransactionConflict

T = TypeVar("T")

# SQLSTATE classes that say the database cannot be used now, whatever the statement: the
# connection is gone (08), the server is short of resources (53: too many connections, disk full,
# out of memory), shutting down or starting up (57P), or failing (58: I/O errors); 25006 is a
# write on a read-only standby, which a failover leaves behind until the new primary is found.
_UNUSABLE = ("08", "53", "57P", "58", "25006")
# Of those, the ones after which the connection itself is useless.
_LOST = ("08", "57P")


# SQLSTATEs of a transaction that PostgreSQL aborted because of a concurrent one, not because of
# anything wrong in it: run again, it meets the other one committed.
DEADLOCK, SERIALIZATION_FAILURE, UNIQUE_VIOLATION = "40P01", "40001", "23505"
CONFLICTS = frozenset({DEADLOCK, SERIALIZATION_FAILURE})
# Enough for a burst of deliveries of one member to get through; more means something is wrong.
CONFLICT_ATTEMPTS = 5


def sqlstate(error: BaseException) -> str:
    """The SQLSTATE of an asyncpg error, raw or wrapped by SQLAlchemy ("" for any other error)."""
    for candidate in (error, getattr(error, "orig", None), error.__cause__):
        if (code := getattr(candidate, "sqlstate", None)) is not None:
            return str(code)
    return ""


def is_outage(error: BaseException) -> bool:
    """Whether `error`, raised by asyncpg or by SQLAlchemy's adaptation of it, means the database
    could not be reached or used (worth retrying later), as opposed to a query or data problem."""
    return isinstance(error, (OSError, TimeoutError)) or sqlstate(error).startswith(_UNUSABLE)


def unavailable(error: BaseException) -> StorageUnavailable:
    return StorageUnavailable(f"{type(error).__name__}: {error}")


def _connect(dialect: Dialect, record: Any, cargs: tuple, cparams: dict) -> Any:
    # Whatever stops a connection from opening (refused, timed out, the database not accepting
    # connections, a wrong password) leaves the service without a database.
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as error:
        raise unavailable(error) from error


def _translate(context: ExceptionContext) -> StorageUnavailable | TransactionConflict | None:
    error = context.original_exception
    if not isinstance(error, Exception):
        # A cancellation or an exit counts as a disconnect for the pool, not as an outage.
        return None
    if sqlstate(error).startswith(_LOST):
        # SQLAlchemy recognises a closed connection by its message; a server that ends the
        # session (pg_terminate_backend, a shutdown) is as final, and the pool must drop it too.
        context.is_disconnect = True
    if context.is_disconnect or is_outage(error):
        return unavailable(error)
    if sqlstate(error) in CONFLICTS:
        # The use case cannot tell a deadlock from a bug by SQLAlchemy's type; its caller runs
        # the whole transaction again (`entrypoints.requests.in_request`).
        return TransactionConflict(f"{type(error).__name__}: {error}")
    return None


def translate_errors(engine: AsyncEngine) -> None:
    """Makes `engine` raise `StorageUnavailable` for an outage, after SQLAlchemy has invalidated
    what the outage broke, and `TransactionConflict` for a deadlock or a serialization failure;
    other errors keep their SQLAlchemy type."""
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _translate)


async def retry_conflicts(work: Callable[[], Awaitable[T]], *, states: Collection[str] = CONFLICTS, attempts: int = CONFLICT_ATTEMPTS) -> T:
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
