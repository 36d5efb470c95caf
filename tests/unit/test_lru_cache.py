import attrs

from adapters.lru.cache import LruCache
from application.cache import CacheKey


@attrs.define
class Ticks:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def key(tenant: str, name: str) -> CacheKey:
    return CacheKey(scope=f"tenant:{tenant}", parts=(name,))


async def test_a_value_is_read_back_until_it_expires():
    ticks = Ticks()
    cache = LruCache(clock=ticks)
    await cache.set(key("a", "x"), b"1", ttl=10)
    ticks.now = 9.9
    assert await cache.get(key("a", "x")) == b"1"
    ticks.now = 10.0
    assert await cache.get(key("a", "x")) is None


async def test_the_least_recently_used_entry_goes_first():
    cache = LruCache(entries=2)
    await cache.set(key("a", "old"), b"1", ttl=60)
    await cache.set(key("a", "read"), b"2", ttl=60)
    await cache.get(key("a", "old"))  # now the most recently used
    await cache.set(key("a", "new"), b"3", ttl=60)
    assert [await cache.get(key("a", n)) for n in ("old", "read", "new")] == [b"1", None, b"3"]


async def test_a_prefix_drops_its_scope_only():
    cache = LruCache()
    for tenant in ("a", "ab", "b"):
        await cache.set(key(tenant, "x"), tenant.encode(), ttl=60)
    await cache.delete_prefix(key("a", "x").scope_prefix)
    assert [await cache.get(key(t, "x")) for t in ("a", "ab", "b")] == [None, b"ab", b"b"]


async def test_setting_again_replaces_the_value_and_its_expiry():
    ticks = Ticks()
    cache = LruCache(clock=ticks)
    await cache.set(key("a", "x"), b"1", ttl=1)
    await cache.set(key("a", "x"), b"2", ttl=10)
    ticks.now = 5
    assert await cache.get(key("a", "x")) == b"2"
