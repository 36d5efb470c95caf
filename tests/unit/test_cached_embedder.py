from collections.abc import Sequence

import attrs

from application.cached_embedder import CachedEmbedder
from application.model_usage import Caller
from domain.tenant import Tenant
from tests.unit.fakes import FakeCache

ARENA, BOX = Tenant(slug="arena", name="Arena"), Tenant(slug="box", name="Box")


@attrs.define
class CountingEmbedder:
    model: str = "m1"
    queries: list[str] = attrs.field(factory=list)
    sections: int = 0

    async def embed_sections(self, tenant: Tenant, texts: Sequence[str]) -> list[list[float]]:
        self.sections += 1
        return [[1.0, 0.0] for _ in texts]

    async def embed_query(self, caller: Caller, text: str) -> list[float]:
        self.queries.append(text)
        return [len(text) / 3, -0.1, 1e-300]


async def test_a_question_asked_again_reuses_its_vector_exactly():
    inner, cache = CountingEmbedder(), FakeCache()
    embedder = CachedEmbedder(inner, cache)
    first = await embedder.embed_query(Caller(ARENA), "Tem estacionamento?")
    again = await embedder.embed_query(Caller(ARENA), "tem  ESTACIONAMENTO")
    assert again == first and inner.queries == ["Tem estacionamento?"]


async def test_another_tenant_or_model_asks_the_model_again():
    inner, other, cache = CountingEmbedder(), CountingEmbedder(model="m2"), FakeCache()
    await CachedEmbedder(inner, cache).embed_query(Caller(ARENA), "tem estacionamento?")
    await CachedEmbedder(inner, cache).embed_query(Caller(BOX), "tem estacionamento?")
    await CachedEmbedder(other, cache).embed_query(Caller(ARENA), "tem estacionamento?")
    assert len(inner.queries) == 2 and len(other.queries) == 1


async def test_sections_are_always_embedded():
    inner, cache = CountingEmbedder(), FakeCache()
    embedder = CachedEmbedder(inner, cache)
    for _ in range(2):
        await embedder.embed_sections(ARENA, ["a", "b"])
    assert inner.sections == 2 and cache.values == {} and embedder.model == "m1"
