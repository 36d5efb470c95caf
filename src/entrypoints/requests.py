import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from dishka import AsyncContainer

from application.errors import StorageUnavailable, TransactionConflict

T = TypeVar("T")
log = structlog.get_logger(__name__)

# A deadlock aborts one of the transactions that met and lets the other through, so a run again
# waits for the survivor's commit instead of meeting it anew: a few tries get through a burst of
# deliveries and turns on one member; more means something keeps taking locks in the wrong order.
CONFLICT_ATTEMPTS = 5


async def in_request(
    container: AsyncContainer,
    action: Callable[[AsyncContainer], Awaitable[T]],
    attempts: int = 6,
    first_delay: float = 0.5,
) -> T:
    """Runs `action` in a fresh REQUEST scope (its own unit of work). When the database cannot be
    reached, waits and runs it again from the start, up to `attempts` times in all; when the
    database aborted it for a concurrent transaction, runs it again at once, up to
    `CONFLICT_ATTEMPTS` times. Either way what was not committed was rolled back."""
    delay, outages, conflicts = first_delay, 0, 0
    while True:
        try:
            async with container() as request:
                return await action(request)
        except StorageUnavailable as error:
            outages += 1
            if outages >= attempts:
                raise
            log.warning("database.unavailable", attempt=outages, retry_in=delay, error=str(error))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        except TransactionConflict as error:
            conflicts += 1
            if conflicts >= CONFLICT_ATTEMPTS:
                raise
            log.info("database.conflict_retried", attempt=conflicts, error=str(error))
