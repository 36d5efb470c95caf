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
