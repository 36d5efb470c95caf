from array import array
from collections.abc import Sequence

import attrs

from application.cache import Cache, CacheKey, digest, normalized
from application.embedder import Embedder
from application.model_usage import Caller
from domain.tenant import Tenant

# A model's vector for a text never changes; the expiry only bounds the memory a cache holds.
EMBEDDING_TTL = 7 * 24 * 3600.0


@attrs.frozen
class CachedEmbedder:
    """`Embedder` that reuses a question's vector when the same tenant asks the same question
    (`normalized`) of the same model again: no call is made, so none is billed or recorded.
    A pack's sections are embedded anew: a sync embeds only what changed already."""

    embedder: Embedder
    cache: Cache
    ttl: float = EMBEDDING_TTL

    @property
    def model(self) -> str:
        return self.embedder.model

    async def embed_sections(self, tenant: Tenant, texts: Sequence[str]) -> list[list[float]]:
        return await self.embedder.embed_sections(tenant, texts)

    async def embed_query(self, caller: Caller, text: str) -> list[float]:
        words = normalized(text)
        if not words:
            return await self.embedder.embed_query(caller, text)
        key = CacheKey.of_tenant(caller.tenant.id, "embedding", self.model, digest(words))
        stored = await self.cache.get(key)
        if stored is not None:
            return array("d", stored).tolist()
        vector = await self.embedder.embed_query(caller, text)
        await self.cache.set(key, array("d", vector).tobytes(), self.ttl)
        return vector
