import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from dishka import AsyncContainer

from application.errors import StorageUnavailable

T = TypeVar("T")
log = structlog.get_logger(__name__)


async def in_request(
    container: AsyncContainer, action: Callable[[AsyncContainer], Awaitable[T]], attempts: int = 6, first_delay: float = 0.5
) -> T:
    """Runs `action` in a fresh REQUEST scope (its own unit of work). When the database cannot be
    reached, waits and runs it again from the start: what was not committed was rolled back."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            async with container() as request:
                return await action(request)
        except StorageUnavailable as error:
            if attempt == attempts:
                raise
            log.warning("database.unavailable", attempt=attempt, retry_in=delay, error=str(error))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    raise AssertionError("unreachable")
