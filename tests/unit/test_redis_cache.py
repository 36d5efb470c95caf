"""The Redis adapter's outage handling, against a stand-in for the client: an outage is logged once
however many calls meet it, the server is left alone between tries, and its return is logged."""

from typing import cast

import attrs
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from structlog.testing import capture_logs

from adapters.redis.cache import RedisCache
from application.cache import CacheKey

KEY = CacheKey(scope="tenant:a", parts=("x",))


@attrs.define
class Ticks:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@attrs.define
class StandInRedis:
    """Answers GET and SET like a server, or refuses every call while `down`; counts the calls made."""

    down: bool = False
    calls: int = 0
    values: dict[str, bytes] = attrs.field(factory=dict)

    async def get(self, name: str) -> bytes | None:
        self._call()
        return self.values.get(name)

    async def set(self, name: str, value: bytes, px: int) -> None:
        self._call()
        self.values[name] = value

    def _call(self) -> None:
        self.calls += 1
        if self.down:
            raise RedisConnectionError("Connection refused")


def cache(server: StandInRedis, ticks: Ticks) -> RedisCache:
    return RedisCache(cast(Redis, server), retry_seconds=5, clock=ticks)


async def test_an_outage_is_logged_once_and_its_end_once():
    server, ticks = StandInRedis(), Ticks()
    redis = cache(server, ticks)
    await redis.set(KEY, b"1", ttl=60)
    server.down = True
    with capture_logs() as logs:
        for second in range(20):
            ticks.now = second
            assert await redis.get(KEY) is None
            await redis.set(KEY, b"2", ttl=60)
        server.down = False
        ticks.now = 30
        assert await redis.get(KEY) == b"1"
        assert await redis.get(KEY) == b"1"
    assert [(log["event"], log["log_level"]) for log in logs] == [("cache.down", "warning"), ("cache.up", "info")]


async def test_a_server_that_is_down_is_tried_once_every_retry_period():
    server, ticks = StandInRedis(down=True), Ticks()
    redis = cache(server, ticks)
    for tenth in range(100):  # ten seconds of calls
        ticks.now = tenth / 10
        await redis.get(KEY)
        await redis.set(KEY, b"1", ttl=60)
    assert server.calls == 2  # at 0 s and at 5 s
