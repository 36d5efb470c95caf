"""Dense vectors next to BM25: the real `openai` client against the fake server's embedding model,
the real Qdrant in local mode."""

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from openai import AsyncOpenAI
from qdrant_client import AsyncQdrantClient
from structlog.testing import capture_logs

from adapters.knowledge_pack.loader import load_pack
from adapters.openai.embeddings import BATCH, OpenAIEmbedder
from adapters.openai.prices import PRICES
from adapters.qdrant.index import QdrantKnowledgeIndex
from application.budget import BudgetDefaults
from application.circuit_breaker import CircuitBreaker
from application.knowledge_index import KnowledgeSyncFailed
from application.meter_model_calls import MeterModelCalls
from application.model_usage import Caller
from domain.tenant import Tenant
from tests.fakes.embedding_space import EmbeddingSpace
from tests.fakes.openai_server import FakeOpenAI, Reply, failure, malformed, slow
from tests.unit.fake_model_usage import FakeModelUsage

TENANT_YAML = """
name: CT Dois
paid_services: []
modalities:
  - name: Boxe
    schedule:
      - {weekday: tue, start: "20:00", duration_minutes: 60}
"""
DOIS, TRES = Tenant(slug="ct-dois", name="CT Dois"), Tenant(slug="ct-tres", name="CT Três")
PARKING = "## Estacionamento\nO CT Dois tem estacionamento gratuito.\n"
SHOWERS = "## Chuveiro\nTemos chuveiros com água quente.\n"


@pytest.fixture
async def openai_client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    client = AsyncOpenAI(api_key="sk-fake", base_url=fake.base_url, timeout=0.5, max_retries=0)
    yield client
    await client.close()


@pytest.fixture
async def qdrant(tmp_path: Path) -> AsyncIterator[AsyncQdrantClient]:
    client = AsyncQdrantClient(path=str(tmp_path / "qdrant"))
    yield client
    await client.close()


@pytest.fixture
def index(qdrant: AsyncQdrantClient, openai_client: AsyncOpenAI):
    """An index of the shared collection with the given embedding model (None: BM25 alone), as
    successive starts with different settings would make."""

    def make(model: str | None = "fake-embedder") -> QdrantKnowledgeIndex:
        return QdrantKnowledgeIndex(qdrant, "knowledge", OpenAIEmbedder(openai_client, model) if model else None)

    return make


def _pack(folder: Path, *sections: str) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tenant.yaml").write_text(TENANT_YAML)
    (folder / "faq.md").write_text("\n".join(sections))
    return list(load_pack(folder).chunks)


def _inputs(fake: FakeOpenAI) -> list[list[str]]:
    return [request["input"] for request in fake.embedding_requests]


async def test_ingest_embeds_in_batches_and_again_only_what_changed(index, fake, tmp_path):
    many = [f"## Regra {n}\nA regra número {n} do tatame vale para todos.\n" for n in range(BATCH + 2)]
    chunks = _pack(tmp_path / "ct-dois", PARKING, *many)

    first = await index().sync(DOIS, chunks)

    assert first.indexed == len(chunks) > BATCH
    assert [len(batch) for batch in _inputs(fake)] == [BATCH, len(chunks) - BATCH]
    assert all(request["model"] == "fake-embedder" for request in fake.embedding_requests)

    fake.reset()
    again = await index().sync(DOIS, chunks)
    assert (again.indexed, again.unchanged, fake.embedding_requests) == (0, len(chunks), [])

    changed = _pack(tmp_path / "ct-dois", PARKING.replace("gratuito", "pago, R$ 10"), *many)
    report = await index().sync(DOIS, changed)
    assert (report.indexed, report.unchanged, report.removed) == (1, len(chunks) - 1, 0)
    [[text]] = _inputs(fake)
    assert "R$ 10" in text


async def test_a_paraphrase_with_no_shared_word_is_found_by_meaning(index, fake, tmp_path):
    """BM25 already knows that "carro" means parking (adapters/bm25/related.py); "moto" it does not."""
    fake.space = EmbeddingSpace(synonyms={"moto": "estacionamento", "vaga": "estacionamento"})
    chunks = _pack(tmp_path / "ct-dois", PARKING, SHOWERS)
    question = "há vaga para moto?"

    await index(None).sync(DOIS, chunks)
    lexical = await index(None).search(Caller(DOIS), question, 3)
    await index().sync(DOIS, chunks)
    [best, *_] = await index().search(Caller(DOIS), question, 3)

    assert all(p.chunk.heading != "Estacionamento" for p in lexical)
    assert best.chunk.heading == "Estacionamento"
    assert _inputs(fake)[-1] == [question]


async def test_both_halves_are_fused(index, fake, tmp_path):
    """A word BM25 finds and a meaning only the model sees, in one question: both sections come back."""
    fake.space = EmbeddingSpace(synonyms={"moto": "estacionamento"})
    await index().sync(DOIS, _pack(tmp_path / "ct-dois", PARKING, SHOWERS))

    question = "tem chuveiro? e a moto?"

    lexical = await index(None).search(Caller(DOIS), question, 2)
    found = await index().search(Caller(DOIS), question, 2)

    assert [p.chunk.heading for p in lexical] == ["Chuveiro"]
    assert {p.chunk.heading for p in found} == {"Estacionamento", "Chuveiro"}


@pytest.mark.parametrize("fault", [failure(429), failure(500), slow(2), malformed()], ids=["429", "500", "timeout", "malformed"])
async def test_a_failed_query_embedding_falls_back_to_bm25_for_that_query(index, fake, tmp_path, fault):
    await index().sync(DOIS, _pack(tmp_path / "ct-dois", PARKING, SHOWERS))
    fake.plan_embeddings(fault)

    with capture_logs() as logs:
        [best, *_] = await index().search(Caller(DOIS), "o estacionamento é gratuito?", 3)

    assert best.chunk.heading == "Estacionamento"
    [fallback] = [e for e in logs if e["event"] == "llm.fallback"]
    assert fallback["decision"] == "query_embedding" and fallback["reason"] in {
        "status 429",
        "status 500",
        "timeout",
        "invalid response body",
    }


async def test_a_failed_ingest_is_a_clear_error_and_leaves_the_index_as_it_was(index, fake, tmp_path):
    many = [f"## Regra {n}\nA regra número {n} do tatame vale para todos.\n" for n in range(BATCH)]
    before = _pack(tmp_path / "ct-dois", PARKING, SHOWERS)
    await index().sync(DOIS, before)
    after = _pack(tmp_path / "ct-dois", PARKING.replace("gratuito", "pago, R$ 10"), SHOWERS, *many)
    fake.plan_embeddings(Reply(), failure(500))  # the first batch goes through, the second fails

    with pytest.raises(
        KnowledgeSyncFailed, match=r"the embedding model fake-embedder failed \(status 500\) on the sections of ct-dois.*run ingest again"
    ):
        await index().sync(DOIS, after)

    [best, *_] = await index().search(Caller(DOIS), "o estacionamento é pago?", 3)
    assert "gratuito" in best.chunk.text
    again = await index().sync(DOIS, after)
    kept = len({c.content_hash for c in before} & {c.content_hash for c in after})  # the showers and what tenant.yaml renders
    assert (again.indexed, again.unchanged) == (len(after) - kept, kept) and kept >= 2


async def test_another_embedding_model_reindexes_every_tenant(index, fake, tmp_path):
    dois, tres = _pack(tmp_path / "ct-dois", PARKING, SHOWERS), _pack(tmp_path / "ct-tres", SHOWERS)
    for tenant, chunks in ((DOIS, dois), (TRES, tres)):
        await index("model-a").sync(tenant, chunks)

    fake.reset()
    fake.space = EmbeddingSpace(size=64)  # a model of another size: Qdrant needs a new collection
    with capture_logs() as logs:
        reports = [await index("model-b").sync(tenant, chunks) for tenant, chunks in ((DOIS, dois), (TRES, tres))]

    assert [r.indexed for r in reports] == [len(dois), len(tres)]
    assert sorted(len(batch) for batch in _inputs(fake)) == sorted([len(dois), len(tres)])
    assert any(e["event"] == "knowledge.reindex" for e in logs)
    [best, *_] = await index("model-b").search(Caller(TRES), "chuveiro quente", 1)
    assert best.chunk.tenant == "ct-tres"

    fake.reset()
    same_size = await index("model-c").sync(DOIS, dois)
    assert same_size.indexed == len(dois) and len(_inputs(fake)) == 1

    none = await index(None).sync(DOIS, dois)
    assert none.indexed == len(dois) and len(_inputs(fake)) == 1
    [best, *_] = await index(None).search(Caller(DOIS), "estacionamento", 1)
    assert best.chunk.heading == "Estacionamento"


async def test_vectors_of_another_size_under_the_same_model_name_rebuild_the_tenant(index, fake, tmp_path):
    """A server may swap the model behind a name: only the changed section is asked first, then the
    new collection needs every other one too."""
    chunks = _pack(tmp_path / "ct-dois", PARKING, SHOWERS)
    await index().sync(DOIS, chunks)
    fake.reset()
    fake.space = EmbeddingSpace(size=32)

    changed = _pack(tmp_path / "ct-dois", PARKING.replace("gratuito", "pago, R$ 10"), SHOWERS)
    report = await index().sync(DOIS, changed)

    assert (report.indexed, report.unchanged, report.removed) == (len(changed), 0, 0)
    assert [len(batch) for batch in _inputs(fake)] == [1, len(changed) - 1]
    [best, *_] = await index().search(Caller(DOIS), "o estacionamento é pago?", 1)
    assert "R$ 10" in best.chunk.text


async def test_with_a_meter_each_call_is_recorded_and_an_open_circuit_leaves_the_question_to_bm25(
    qdrant, openai_client, fake, clock, tmp_path
):
    usage = FakeModelUsage()  # the in-memory ledger: this file runs without a database
    meter = MeterModelCalls(usage, PRICES, BudgetDefaults(Decimal(20), None), CircuitBreaker(2, dt.timedelta(seconds=60)), clock)
    index = QdrantKnowledgeIndex(qdrant, "knowledge", OpenAIEmbedder(openai_client, "fake-embedder", meter))
    await index.sync(DOIS, _pack(tmp_path / "ct-dois", PARKING, SHOWERS))
    turn = Caller(DOIS, conversation_id=uuid.uuid4(), message_id=uuid.uuid4())
    fake.plan_embeddings(failure(500), failure(503))
    for _ in range(2):
        await index.search(turn, "o estacionamento é gratuito?", 3)

    [ingest, *failed] = usage.calls
    assert (ingest.decision, ingest.tenant_id, ingest.conversation_id, ingest.outcome) == ("ingest_embeddings", DOIS.id, None, "ok")
    assert ingest.tokens.prompt == sum(len(text.split()) for text in _inputs(fake)[0]) and ingest.cost_usd is None  # no price
    assert [(c.decision, c.conversation_id, c.message_id, c.outcome) for c in failed] == [
        ("query_embedding", turn.conversation_id, turn.message_id, "status 500"),
        ("query_embedding", turn.conversation_id, turn.message_id, "status 503"),
    ]

    asked = len(fake.embedding_requests)
    with capture_logs() as logs:
        [best, *_] = await index.search(turn, "o estacionamento é gratuito?", 3)
    assert best.chunk.heading == "Estacionamento" and len(fake.embedding_requests) == asked
    assert [(e["decision"], e["reason"]) for e in logs if e["event"] == "llm.fallback"] == [("query_embedding", "circuit open")]
