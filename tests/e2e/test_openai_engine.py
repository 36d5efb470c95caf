"""TATAME_ENGINE=openai through the composition root: the real stack, with a fake OpenAI-compatible
server answering the FAQ turns, and the offline engine answering when it fails."""

import io
from collections.abc import AsyncIterator

import attrs
import pytest
from dishka import AsyncContainer

from adapters.clock import SettableClock
from adapters.fallback import FallbackQuestionAnswerer
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.openai.embeddings import BATCH
from adapters.qdrant.index import QdrantKnowledgeIndex
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.ingest_knowledge import cli_channel_name
from application.knowledge_index import KnowledgeIndex
from application.question_answerer import QuestionAnswerer
from domain.phone import Phone
from domain.route import Route
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests.fakes.openai_server import FakeOpenAI, completion, failure, own_model

ANSWER = "O plano mensal custa R$ 189,00 e inclui todas as modalidades."


@pytest.fixture
async def container(settings: Settings, clock: SettableClock, fake: FakeOpenAI) -> AsyncIterator[AsyncContainer]:
    settings = attrs.evolve(settings, openai_api_key="sk-fake", openai_base_url=fake.base_url, openai_model=own_model(), openai_timeout=2.0)
    assert settings.engine == "openai"
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), clock)
    await prepare(container)
    yield container
    await container.close()


async def test_a_faq_turn_is_answered_by_the_model_and_by_the_offline_engine_when_it_fails(container, fake):
    member = TerminalConversation(container, cli_channel_name("ct-exemplo"), Phone("5511911119001"))
    fake.plan(completion({"route": "faq", "answer": ANSWER, "passage_ids": ["P1"], "passages_answer": True}))

    answered = await member.say("quanto custa o plano mensal?")

    assert (answered.route, answered.reply) == (Route.FAQ, ANSWER)
    [request] = fake.requests
    assert request["model"].startswith("fake-model") and "[P1]" in request["messages"][-1]["content"]
    assert "CT Exemplo" in request["messages"][0]["content"]

    fake.plan(failure(500))
    fallen_back = await member.say("e quanto custa o plano mensal?")

    assert fallen_back.route is Route.FAQ and "R$ 189" in fallen_back.reply and fallen_back.reply != ANSWER
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("key", "engine", "answerer"),
    [(None, None, OfflineQuestionAnswerer), ("sk-fake", None, FallbackQuestionAnswerer), ("sk-fake", "offline", OfflineQuestionAnswerer)],
)
async def test_the_engine_setting_picks_the_answerer(key, engine, answerer, database_url):
    # The model's answerer records its calls: without a database URL, the container would start an embedded server.
    settings = Settings(database_url=database_url, openai_api_key=key, engine_choice=engine)
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())))
    try:
        assert type(await container.get(QuestionAnswerer)) is answerer
    finally:
        await container.close()


@pytest.mark.parametrize(
    ("engine", "model", "embedder"),
    [("openai", None, None), ("openai", "fake-embedder", "fake-embedder"), ("offline", "fake-embedder", None)],
)
async def test_the_embedding_model_gives_the_openai_engine_s_index_its_embedder(settings, engine, model, embedder):
    settings = attrs.evolve(settings, openai_api_key="sk-fake", engine_choice=engine, openai_embedding_model=model)
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())))
    try:
        index = await container.get(KnowledgeIndex)
        assert isinstance(index, QdrantKnowledgeIndex)
        assert (index.embedder.model if index.embedder else None) == embedder
    finally:
        await container.close()


async def test_with_an_embedding_model_the_pack_and_each_question_are_embedded(settings, clock, fake):
    settings = attrs.evolve(
        settings,
        openai_api_key="sk-fake",
        openai_base_url=fake.base_url,
        openai_model=own_model(),
        openai_embedding_model="fake-embedder",
        openai_timeout=2.0,
    )
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), clock)
    try:
        [tenant] = await prepare(container)
        assert len(fake.embedding_requests) == -(-tenant.report.indexed // BATCH)  # whole batches, rounded up
        member = TerminalConversation(container, cli_channel_name("ct-exemplo"), Phone("5511911119002"))
        fake.plan(completion({"route": "faq", "answer": ANSWER, "passage_ids": ["P1"], "passages_answer": True}))

        answered = await member.say("quanto custa o plano mensal?")

        assert answered.reply == ANSWER and len(fake.requests) == 1
        assert fake.embedding_requests[-1] == {
            "model": "fake-embedder",
            "input": ["quanto custa o plano mensal?"],
            "encoding_format": "float",
        }
        assert "R$ 189" in fake.requests[0]["messages"][-1]["content"]
    finally:
        await container.close()
