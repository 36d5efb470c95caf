"""Driver errors become application errors here, so nothing above the adapter knows SQLAlchemy or
asyncpg: a database that cannot be reached or used raises `StorageUnavailable`."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from application.errors import StorageUnavailable

# SQLSTATE classes that say the database cannot be used now, whatever the statement: the
# connection is gone (08), the server is short of resources (53: too many connections, disk full,
# out of memory), shutting down or starting up (57P), or failing (58: I/O errors); 25006 is a
# write on a read-only standby, which a failover leaves behind until the new primary is found.
_UNUSABLE = ("08", "53", "57P", "58", "25006")
# Of those, the ones after which the connection itself is useless.
_LOST = ("08", "57P")


def _sqlstate(error: BaseException) -> str:
    return getattr(error, "sqlstate", None) or ""


def is_outage(error: BaseException) -> bool:
    """Whether `error`, raised by asyncpg or by SQLAlchemy's adaptation of it, means the database
    could not be reached or used (worth retrying later), as opposed to a query or data problem."""
    return isinstance(error, (OSError, TimeoutError)) or _sqlstate(error).startswith(_UNUSABLE)


def unavailable(error: BaseException) -> StorageUnavailable:
    return StorageUnavailable(f"{type(error).__name__}: {error}")


def _connect(dialect: Dialect, record: Any, cargs: tuple, cparams: dict) -> Any:
    # Whatever stops a connection from opening (refused, timed out, the database not accepting
    # connections, a wrong password) leaves the service without a database.
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as error:
        raise unavailable(error) from error


def _translate(context: ExceptionContext) -> StorageUnavailable | None:
    error = context.original_exception
    if not isinstance(error, Exception):
        # A cancellation or an exit counts as a disconnect for the pool, not as an outage.
        return None
    if _sqlstate(error).startswith(_LOST):
        # SQLAlchemy recognises a closed connection by its message; a server that ends the
        # session (pg_terminate_backend, a shutdown) is as final, and the pool must drop it too.
        context.is_disconnect = True
    if context.is_disconnect or is_outage(error):
        return unavailable(error)
    return None


def translate_errors(engine: AsyncEngine) -> None:
    """Makes `engine` raise `StorageUnavailable` for an outage, after SQLAlchemy has invalidated
    what the outage broke; other errors keep their SQLAlchemy type."""
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _translate)
