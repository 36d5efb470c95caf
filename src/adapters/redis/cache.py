import time
from collections.abc import Callable

import attrs
import structlog
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from application.cache import CacheKey

log = structlog.get_logger(__name__)

# A cache read on the same network answers in well under a millisecond: a Redis that takes longer
# than this is treated as down rather than let it add its delay to every turn.
TIMEOUT_SECONDS = 0.25
# While Redis is down, calls skip it without trying, and one call tries again after this long: a
# dead server costs a turn nothing, a blackholed one one timeout every this many seconds.
RETRY_SECONDS = 5.0
_SCAN_BATCH = 500


def connect(url: str, timeout: float = TIMEOUT_SECONDS) -> Redis:
    """A client that gives up quickly and never retries on its own: a miss is cheaper than a wait."""
    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))


@attrs.define
class RedisCache:
    """`Cache` in Redis. An outage is logged once when it starts (a warning) and once when it ends
    (info), however many calls it turns into misses."""

    client: Redis
    retry_seconds: float = RETRY_SECONDS
    clock: Callable[[], float] = time.monotonic
    _down_since: float | None = attrs.field(default=None, init=False)
    _next_try: float = attrs.field(default=0.0, init=False)

    async def get(self, key: CacheKey) -> bytes | None:
        if self._skipping():
            return None
        try:
            value = await self.client.get(str(key))
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        self._succeeded()
        # The client decodes nothing (no `decode_responses`): its typing allows str, it never gives one.
        return value if isinstance(value, bytes) else None

    async def set(self, key: CacheKey, value: bytes, ttl: float) -> None:
        if self._skipping():
            return
        try:
            await self.client.set(str(key), value, px=max(1, round(ttl * 1000)))
        except (RedisError, OSError) as error:
            self._failed(error)
            return
        self._succeeded()

    async def delete_prefix(self, prefix: str) -> None:
        if self._skipping():
            return
        try:
            batch: list[bytes] = []
            async for name in self.client.scan_iter(match=_glob_escaped(prefix) + "*", count=_SCAN_BATCH):
                batch.append(name)
                if len(batch) >= _SCAN_BATCH:
                    await self.client.unlink(*batch)
                    batch = []
            if batch:
                await self.client.unlink(*batch)
        except (RedisError, OSError) as error:
            self._failed(error)
            return
        self._succeeded()

    def _skipping(self) -> bool:
        return self._down_since is not None and self.clock() < self._next_try

    def _failed(self, error: Exception) -> None:
        now = self.clock()
        self._next_try = now + self.retry_seconds
        if self._down_since is None:
            self._down_since = now
            log.warning("cache.down", reason=type(error).__name__, detail=str(error), retry_seconds=self.retry_seconds)

    def _succeeded(self) -> None:
        if self._down_since is not None:
            log.info("cache.up", down_seconds=round(self.clock() - self._down_since, 1))
            self._down_since = None


def _glob_escaped(text: str) -> str:
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in text)
