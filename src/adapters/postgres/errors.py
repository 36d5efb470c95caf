from sqlalchemy import exc


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached (worth retrying), as opposed to a
    query or data problem (not worth it)."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (exc.OperationalError, exc.InterfaceError, ConnectionError, TimeoutError, OSError))
