"""A cache of derived values (answers, embeddings, lookups): whatever it holds can be computed
again, so it may lose anything at any time and callers never depend on it being there."""

import hashlib
import re
import unicodedata
import uuid
from typing import Protocol

import attrs

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalized(text: str) -> str:
    """`text` as one cache entry serves it: lowercase, without accents, punctuation or extra
    spacing ("Quanto custa?" and "quanto  CUSTA" are the same question)."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(folded))


def digest(text: str) -> str:
    """A short fixed-length stand-in for `text` in a key: a member's question may be 2,000 characters."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@attrs.frozen
class CacheKey:
    """Where a value is kept. Every key names its scope first: a tenant's values live under the
    tenant's id, so no key built for one tenant can ever read another's; values that belong to no
    tenant (which tenant a channel is) live under a named shared scope. A scope's values can be
    dropped together (`Cache.delete_prefix(key.scope_prefix)`), and a key can carry a version
    (of the knowledge, of a model) so that a new version simply never reads the old entries."""

    scope: str
    parts: tuple[str, ...]

    @classmethod
    def of_tenant(cls, tenant_id: uuid.UUID, *parts: str) -> "CacheKey":
        return cls(scope=f"tenant:{tenant_id}", parts=parts)

    @classmethod
    def shared(cls, name: str, *parts: str) -> "CacheKey":
        return cls(scope=f"shared:{name}", parts=parts)

    @property
    def scope_prefix(self) -> str:
        return f"{self.scope}:"

    def __str__(self) -> str:
        return ":".join((self.scope, *self.parts))


class Cache(Protocol):
    """A store of bytes by key with an expiry. Values are bytes; JSON goes in as its UTF-8 text.

    Never raises for the store's own failures: a cache that cannot be reached reads as empty and
    drops what is written, so every caller goes on without it (the adapter logs the outage). Calls
    are quick even then: a dead store must not slow a turn down."""

    async def get(self, key: CacheKey) -> bytes | None:
        """The value stored under `key`, or None when there is none, it expired, or the store is unavailable."""

    async def set(self, key: CacheKey, value: bytes, ttl: float) -> None:
        """Stores `value` under `key` for `ttl` seconds (the store may drop it sooner)."""

    async def delete_prefix(self, prefix: str) -> None:
        """Drops every value whose key (as `str`) starts with `prefix`, e.g. a tenant's whole scope."""
