import time
from collections import OrderedDict
from collections.abc import Callable

import attrs

from application.cache import CacheKey

# About 10 KB an entry at most (an embedding of 1,536 floats is 12 KB, an answer well under 1 KB):
# some tens of megabytes for a process.
DEFAULT_ENTRIES = 4096


@attrs.define
class LruCache:
    """`Cache` in this process's memory: the least recently used entry goes when `entries` are held.
    Each process has its own, so it suits one worker process (the default deployment); several
    processes share a Redis instead."""

    entries: int = DEFAULT_ENTRIES
    clock: Callable[[], float] = time.monotonic
    # key -> (expires at, on `clock`, value), least recently used first
    _store: OrderedDict[str, tuple[float, bytes]] = attrs.field(factory=OrderedDict, init=False)

    async def get(self, key: CacheKey) -> bytes | None:
        name = str(key)
        held = self._store.get(name)
        if held is None:
            return None
        if held[0] <= self.clock():
            del self._store[name]
            return None
        self._store.move_to_end(name)
        return held[1]

    async def set(self, key: CacheKey, value: bytes, ttl: float) -> None:
        name = str(key)
        self._store[name] = (self.clock() + ttl, value)
        self._store.move_to_end(name)
        while len(self._store) > self.entries:
            self._store.popitem(last=False)

    async def delete_prefix(self, prefix: str) -> None:
        for name in [name for name in self._store if name.startswith(prefix)]:
            del self._store[name]
