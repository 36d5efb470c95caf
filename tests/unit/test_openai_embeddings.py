"""OpenAIEmbedder's batching, its checks of the reply and its ledger, against a stand-in for the client's `embeddings` and
the in-memory ledger."""

import datetime as dt
import math
import uuid
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types import CreateEmbeddingResponse, Embedding
from openai.types.create_embedding_response import Usage

from adapters.openai.embeddings import BATCH, OpenAIEmbedder
from adapters.openai.failure import ModelFailure
from application.budget import BudgetDefaults
from application.circuit_breaker import CircuitBreaker
from application.meter_model_calls import MeterModelCalls
from application.model_usage import Caller, ModelCall
from application.pricing import Price, PriceTable, Tokens
from domain.tenant import Tenant
from tests.unit.fake_model_usage import FakeModelUsage
from tests.unit.fakes import FakeClock

TENANT = Tenant(slug="arena", name="Arena")
# A dollar a million tokens, input only, as embedding models bill.
PRICES = PriceTable(version="v1", prices={"m": Price(input=Decimal(1), cached_input=Decimal(1), output=Decimal(0))})
BREAKER = CircuitBreaker(failures=2, cooldown=dt.timedelta(seconds=30))


class Embeddings:
    """Answers each text with [its number, its length]; `answer` may rewrite the data of a reply."""

    def __init__(self, answer=lambda data: data) -> None:
        self.calls: list[list[str]] = []
        self.answer = answer

    async def create(self, *, model: str, input: list[str], encoding_format: str) -> CreateEmbeddingResponse:
        self.calls.append(input)
        data = [Embedding(object="embedding", index=i, embedding=[float(len(self.calls)), float(len(t))]) for i, t in enumerate(input)]
        return CreateEmbeddingResponse(
            object="list", data=self.answer(data), model=model, usage=Usage(prompt_tokens=len(input), total_tokens=len(input))
        )


class Client:
    def __init__(self, embeddings: Embeddings) -> None:
        self.embeddings = embeddings


def _embedder(embeddings: Embeddings, meter: MeterModelCalls | None = None) -> OpenAIEmbedder:
    return OpenAIEmbedder(Client(embeddings), "m", meter)  # type: ignore[arg-type]


def _meter(usage: FakeModelUsage, clock: FakeClock, usd: str = "20") -> MeterModelCalls:
    return MeterModelCalls(usage, PRICES, BudgetDefaults(Decimal(usd), None), BREAKER, clock)


@given(st.lists(st.text(min_size=1, max_size=3), max_size=3 * BATCH))
async def test_texts_go_in_batches_and_come_back_in_order(texts: Sequence[str]):
    embeddings = Embeddings()

    vectors = await _embedder(embeddings).embed_sections(TENANT, texts)

    assert len(embeddings.calls) == math.ceil(len(texts) / BATCH)
    assert all(len(call) == BATCH for call in embeddings.calls[:-1])
    assert [text for call in embeddings.calls for text in call] == list(texts)
    assert [v[1] for v in vectors] == [float(len(t)) for t in texts]


async def test_vectors_are_put_in_the_order_of_their_index():
    embeddings = Embeddings(lambda data: list(reversed(data)))
    assert await _embedder(embeddings).embed_sections(TENANT, ["a", "bb", "ccc"]) == [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]


@pytest.mark.parametrize(
    "answer",
    [
        lambda data: data[:-1],  # a vector missing
        lambda data: [*data, data[0]],  # one too many
        lambda data: [d.model_copy(update={"embedding": []}) for d in data],  # empty vectors
        lambda data: [data[0], data[1].model_copy(update={"embedding": [1.0]})],  # lengths differ
    ],
)
async def test_a_reply_that_does_not_fit_the_texts_is_a_model_failure(answer):
    with pytest.raises(ModelFailure):
        await _embedder(Embeddings(answer)).embed_sections(TENANT, ["a", "bb"])


async def test_each_batch_of_sections_is_recorded_against_the_tenant_with_its_tokens_and_cost():
    usage, clock, embeddings = FakeModelUsage(), FakeClock(), Embeddings()

    await _embedder(embeddings, _meter(usage, clock)).embed_sections(TENANT, ["a"] * (BATCH + 1))

    assert [(c.tenant_id, c.conversation_id, c.message_id, c.decision, c.model, c.outcome) for c in usage.calls] == [
        (TENANT.id, None, None, "ingest_embeddings", "m", "ok")
    ] * 2
    assert [c.tokens for c in usage.calls] == [Tokens(prompt=BATCH), Tokens(prompt=1)]  # the stand-in bills a token a text
    assert [c.cost_usd for c in usage.calls] == [Decimal(BATCH) / 1_000_000, Decimal(1) / 1_000_000]
    assert {(c.price_version, c.created_at) for c in usage.calls} == {("v1", clock.current)}


async def test_a_question_is_recorded_with_its_turn():
    usage, embeddings = FakeModelUsage(), Embeddings()
    caller = Caller(TENANT, conversation_id=uuid.uuid4(), message_id=uuid.uuid4())

    assert await _embedder(embeddings, _meter(usage, FakeClock())).embed_query(caller, "bb") == [1.0, 2.0]

    [call] = usage.calls
    assert (call.tenant_id, call.conversation_id, call.message_id, call.decision) == (
        TENANT.id,
        caller.conversation_id,
        caller.message_id,
        "query_embedding",
    )
    assert (call.tokens, call.cost_usd, call.outcome) == (Tokens(prompt=1), Decimal(1) / 1_000_000, "ok")


async def test_a_reply_that_does_not_fit_is_recorded_with_the_reason():
    usage = FakeModelUsage()
    with pytest.raises(ModelFailure, match="expected 1 embeddings, got 0"):
        await _embedder(Embeddings(lambda data: []), _meter(usage, FakeClock())).embed_query(Caller(TENANT), "a")
    [call] = usage.calls
    assert (call.outcome, call.tokens) == ("expected 1 embeddings, got 0", Tokens(prompt=1))


async def test_sections_are_embedded_past_the_ceiling_and_what_they_cost_refuses_the_next_question():
    """A pack must be indexed for any engine to answer from it; a question can do without its vector."""
    usage, clock, embeddings = FakeModelUsage(), FakeClock(), Embeddings()
    embedder = _embedder(embeddings, _meter(usage, clock, usd="0.000002"))  # two tokens' worth

    await embedder.embed_sections(TENANT, ["a", "b"])
    await embedder.embed_sections(TENANT, ["c"])  # past the ceiling: still made, still recorded
    with pytest.raises(ModelFailure, match="budget exhausted"):
        await embedder.embed_query(Caller(TENANT), "a")

    assert embeddings.calls == [["a", "b"], ["c"]]
    assert [c.decision for c in usage.calls] == ["ingest_embeddings"] * 2


async def test_no_question_is_sent_while_the_circuit_is_open():
    usage, clock, embeddings = FakeModelUsage(), FakeClock(), Embeddings()
    failed = ModelCall(
        tenant_id=TENANT.id,
        conversation_id=None,
        message_id=None,
        decision="query_embedding",
        model="m",
        tokens=Tokens(),
        latency_ms=5,
        outcome="status 503",
        cost_usd=Decimal(0),
        price_version="v1",
        created_at=clock.current,
    )
    usage.calls += [failed] * BREAKER.failures

    with pytest.raises(ModelFailure, match="circuit open"):
        await _embedder(embeddings, _meter(usage, clock)).embed_query(Caller(TENANT), "a")
    assert embeddings.calls == []
