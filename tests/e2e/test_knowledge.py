from pathlib import Path

import pytest
from qdrant_client import AsyncQdrantClient

from adapters.knowledge_pack.loader import FileTenantPackSource, load_pack
from adapters.qdrant.index import QdrantKnowledgeIndex
from application.model_usage import Caller
from domain.tenant import Tenant
from tests import PROJECT_ROOT

DOIS = Tenant(slug="ct-dois", name="CT Dois")
TENANT_YAML = """
name: CT Dois
paid_services: []
modalities:
  - name: Boxe
    schedule:
      - {weekday: tue, start: "20:00", duration_minutes: 60}
"""


@pytest.fixture
async def index(tmp_path: Path):
    client = AsyncQdrantClient(path=str(tmp_path / "qdrant"))
    yield QdrantKnowledgeIndex(client, "knowledge")
    await client.close()


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "packs" / "ct-dois"
    folder.mkdir(parents=True)
    (folder / "tenant.yaml").write_text(TENANT_YAML)
    (folder / "faq.md").write_text(
        "## Estacionamento\nO CT Dois tem estacionamento gratuito.\n\n## Chuveiro\nTemos chuveiros com água quente.\n"
    )
    return folder


async def test_reingest_is_incremental(index, pack):
    first = await index.sync(DOIS, load_pack(pack).chunks)
    assert (first.indexed, first.unchanged, first.removed) == (4, 0, 0)
    again = await index.sync(DOIS, load_pack(pack).chunks)
    assert (again.indexed, again.unchanged, again.removed) == (0, 4, 0)

    (pack / "faq.md").write_text("## Estacionamento\nO CT Dois tem estacionamento pago, R$ 10.\n")
    changed = await index.sync(DOIS, load_pack(pack).chunks)
    assert (changed.indexed, changed.unchanged, changed.removed) == (1, 2, 1)
    [best] = await index.search(Caller(DOIS), "o estacionamento é pago?", 1)
    assert "R$ 10" in best.chunk.text
    assert all("chuveiro" not in p.chunk.text.lower() for p in await index.search(Caller(DOIS), "chuveiro quente", 3))


async def test_search_never_crosses_tenants(index, pack):
    [default] = FileTenantPackSource(PROJECT_ROOT / "knowledge").load_all()
    await index.sync(default.tenant, default.chunks)
    await index.sync(DOIS, load_pack(pack).chunks)
    found = await index.search(Caller(DOIS), "estacionamento", 5)
    assert found and {p.chunk.tenant for p in found} == {"ct-dois"}
    found = await index.search(Caller(default.tenant), "estacionamento", 5)
    assert found and {p.chunk.tenant for p in found} == {default.tenant.slug}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("quanto custa o plano mensal?", "R$ 189"),
        ("qnto custa o mensal", "R$ 189"),
        ("que horas tem muai thai?", "Muay Thai"),
        ("aceitam gympass?", "Gympass"),
    ],
)
async def test_default_pack_retrieval(index, question, expected):
    [default] = FileTenantPackSource(PROJECT_ROOT / "knowledge").load_all()
    await index.sync(default.tenant, default.chunks)
    found = await index.search(Caller(default.tenant), question, 3)
    assert any(expected.lower() in f"{p.chunk.heading} {p.chunk.text}".lower() for p in found)


async def test_timetable_from_tenant_yaml_is_searchable(index, pack):
    await index.sync(DOIS, load_pack(pack).chunks)
    [best, *_] = await index.search(Caller(DOIS), "horário do boxe", 3)
    assert best.chunk.source == "tenant.yaml" and "terça-feira às 20h" in best.chunk.text


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("com quantas horas de antecedência tenho que marcar a aula experimental?", "pelo menos 2 horas"),
        ("posso agendar a aula teste pra daqui a 3 semanas?", "até 14 dias"),
    ],
)
async def test_trial_rules_from_tenant_yaml_are_searchable(index, pack, question, fact):
    await index.sync(DOIS, load_pack(pack).chunks)
    [best, *_] = await index.search(Caller(DOIS), question, 3)
    assert best.chunk.source == "tenant.yaml" and fact in best.chunk.text


async def test_search_before_any_ingest_finds_nothing(index):
    assert await index.search(Caller(DOIS), "estacionamento", 3) == []


async def test_in_local_mode_each_tenant_has_its_collection_and_a_shared_one_is_moved_on_sync(tmp_path, pack):
    [default] = FileTenantPackSource(PROJECT_ROOT / "knowledge").load_all()
    dois = load_pack(pack).chunks
    client = AsyncQdrantClient(path=str(tmp_path / "moved"))
    try:
        shared = QdrantKnowledgeIndex(client, "knowledge")
        await shared.sync(default.tenant, default.chunks)
        await shared.sync(DOIS, dois)
        before = await shared.search(Caller(DOIS), "estacionamento", 3)
        versions = [await shared.version(default.tenant), await shared.version(DOIS)]

        own = QdrantKnowledgeIndex(client, "knowledge", collection_per_tenant=True)
        moved = await own.sync(DOIS, dois)
        assert (moved.indexed, moved.unchanged, moved.removed) == (0, len(dois), 0)  # moved, not indexed again
        assert await client.collection_exists("knowledge-ct-dois") and await client.collection_exists("knowledge")
        # The same passages; their scores change, as IDF is counted over a collection's points.
        assert [p.chunk for p in await own.search(Caller(DOIS), "estacionamento", 3)] == [p.chunk for p in before]
        assert await own.search(Caller(default.tenant), "quanto custa o plano mensal?", 3) == []  # not synced yet: still shared

        await own.sync(default.tenant, default.chunks)
        assert not await client.collection_exists("knowledge")  # the last tenant left it
        assert [await own.version(default.tenant), await own.version(DOIS)] == versions
        found = await own.search(Caller(default.tenant), "estacionamento", 5)
        assert found and {p.chunk.tenant for p in found} == {default.tenant.slug}
    finally:
        await client.close()


async def test_the_version_changes_with_the_sections_and_is_read_back_by_another_index(tmp_path, pack):
    client = AsyncQdrantClient(path=str(tmp_path / "versions"))
    try:
        index = QdrantKnowledgeIndex(client, "knowledge", collection_per_tenant=True)
        empty = await index.version(DOIS)
        await index.sync(DOIS, load_pack(pack).chunks)
        first = await index.version(DOIS)
        await index.sync(DOIS, load_pack(pack).chunks)
        assert await index.version(DOIS) == first != empty
        (pack / "faq.md").write_text("## Estacionamento\nO CT Dois tem estacionamento pago, R$ 10.\n")
        await index.sync(DOIS, load_pack(pack).chunks)
        changed = await index.version(DOIS)
        assert changed != first
        assert await QdrantKnowledgeIndex(client, "knowledge", collection_per_tenant=True).version(DOIS) == changed
    finally:
        await client.close()
