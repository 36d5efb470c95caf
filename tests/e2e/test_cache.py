"""The cache against a real `redis-server` the tests start and stop: the real stack with the openai
engine on the fake OpenAI server, whose request counts show what was answered from the cache."""

import io
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import attrs
import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from structlog.testing import capture_logs

from adapters.clock import SettableClock
from adapters.lru.cache import LruCache
from adapters.redis.cache import RedisCache, connect
from adapters.terminal import TerminalGateway
from application.cache import Cache
from application.gateway import Gateways
from application.ingest_knowledge import cli_channel_name
from domain.phone import Phone
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.settings import Settings
from entrypoints.startup import ingest, prepare
from tests import PROJECT_ROOT
from tests.e2e.redis_server import RedisServer
from tests.fakes.openai_server import FakeOpenAI, completion, own_model

QUESTION = "quanto custa o plano mensal?"


def answered(text: str) -> object:
    return completion({"route": "faq", "answer": text, "passage_ids": ["P1"], "passages_answer": True})


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """The default pack twice: ct-exemplo and ct-outro, the same sections for two tenants."""
    folder = tmp_path / "packs"
    for slug in ("ct-exemplo", "ct-outro"):
        shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", folder / slug)
    return folder


class EveryCallTriesRedis(Provider):
    """The real Redis adapter, trying the server at every call instead of every few seconds: an
    outage met by many calls must still be logged once."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    @provide(scope=Scope.APP)
    async def cache(self) -> AsyncIterator[Cache]:
        client = connect(self.url)
        yield RedisCache(client, retry_seconds=0)
        await client.aclose()


@pytest.fixture
async def container(settings: Settings, clock: SettableClock, fake: FakeOpenAI, redis_server: RedisServer, packs: Path):
    settings = attrs.evolve(
        settings,
        knowledge_dir=packs,
        redis_url=redis_server.url,
        openai_api_key="sk-fake",
        openai_base_url=fake.base_url,
        openai_model=own_model(),
        openai_embedding_model="fake-embedder",
        openai_timeout=2.0,
    )
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), clock, EveryCallTriesRedis(redis_server.url))
    await prepare(container)
    yield container
    await container.close()


def member(container: AsyncContainer, number: int, tenant: str = "ct-exemplo") -> TerminalConversation:
    return TerminalConversation(container, cli_channel_name(tenant), Phone(f"55119111{number:05d}"))


async def say(container: AsyncContainer, number: int, text: str, tenant: str = "ct-exemplo") -> str:
    result = await member(container, number, tenant).say(text)
    assert result is not None and result.reply is not None
    return result.reply


async def test_the_same_question_is_answered_from_the_cache_until_the_knowledge_changes(container, fake, packs):
    fake.plan(answered("O plano mensal custa R$ 189,00."))
    assert await say(container, 1, QUESTION) == "O plano mensal custa R$ 189,00."
    embeddings = len(fake.embedding_requests)

    # Another member, typed otherwise: neither the question's embedding nor the answer is asked for.
    assert await say(container, 2, "  Quanto custa o PLANO MENSAL ") == "O plano mensal custa R$ 189,00."
    assert len(fake.requests) == 1 and len(fake.embedding_requests) == embeddings

    prices = packs / "ct-exemplo" / "planos-e-precos.md"
    prices.write_text(prices.read_text().replace("R$ 189,00", "R$ 199,00"))
    await ingest(container)
    fake.plan(answered("O plano mensal custa R$ 199,00."))
    assert await say(container, 3, QUESTION) == "O plano mensal custa R$ 199,00."
    assert len(fake.requests) == 2 and "R$ 199,00" in fake.requests[-1]["messages"][-1]["content"]


async def test_a_tenant_never_gets_another_tenant_s_cached_answer(container, fake):
    fake.plan(answered("Exemplo: R$ 189,00."), answered("Outro: R$ 189,00."))
    assert await say(container, 11, QUESTION, "ct-exemplo") == "Exemplo: R$ 189,00."
    assert await say(container, 11, QUESTION, "ct-outro") == "Outro: R$ 189,00."
    assert await say(container, 12, QUESTION, "ct-exemplo") == "Exemplo: R$ 189,00."
    assert await say(container, 12, QUESTION, "ct-outro") == "Outro: R$ 189,00."
    assert len(fake.requests) == 2


async def test_answers_go_on_while_redis_is_down_and_the_outage_is_logged_once(container, fake, redis_server):
    fake.plan(answered("R$ 189,00."))
    await say(container, 21, QUESTION)
    redis_server.stop()
    with capture_logs() as down:
        for number in (22, 23, 24):
            fake.plan(answered(f"R$ 189,00 ({number})."))
            assert await say(container, number, QUESTION) == f"R$ 189,00 ({number})."  # not cached: the model answers
    assert [(log["event"], log["log_level"]) for log in down if log["event"].startswith("cache.")] == [("cache.down", "warning")]

    redis_server.start()
    with capture_logs() as back:
        fake.plan(answered("R$ 189,00 (25)."))
        assert await say(container, 25, QUESTION) == "R$ 189,00 (25)."  # the restarted Redis is empty
        assert await say(container, 26, QUESTION) == "R$ 189,00 (25)."
    assert [(log["event"], log["log_level"]) for log in back if log["event"].startswith("cache.")] == [("cache.up", "info")]
    assert len(fake.requests) == 5


@pytest.mark.parametrize(("url", "kind"), [(None, LruCache), ("redis://127.0.0.1:1/0", RedisCache)])
async def test_redis_url_picks_the_cache(settings, url, kind):
    container = make_container(attrs.evolve(settings, redis_url=url), TerminalGateway(io.StringIO()))
    try:
        assert type(await container.get(Cache)) is kind
    finally:
        await container.close()
