"""The ledger, the ceiling and the circuit breaker through the composition root: the real stack on a
database of its own (spend and the breaker are per deployment), a fake OpenAI-compatible server, a
clock that stands still until a test moves it."""

import asyncio
import datetime as dt
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import pytest
import sqlalchemy as sa
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import create_async_engine
from structlog.testing import capture_logs

from adapters.clock import SettableClock
from adapters.openai.prices import PRICES
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.handle_turn import HandleTurn
from application.inbox import InboundMessage
from application.ingest_knowledge import cli_channel_name
from application.model_usage import ModelUsage
from application.pricing import Tokens
from application.receive_message import ReceiveMessage
from domain.phone import Phone
from domain.route import Route
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.http.app import make_app
from entrypoints.requests import in_request
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests import PROJECT_ROOT
from tests.e2e.conftest import NOW
from tests.fakes.openai_server import FakeOpenAI, completion, failure, slow

QUESTION = "quanto custa o plano mensal?"
ANSWER = "O plano mensal custa R$ 189,00 e inclui todas as modalidades."
GROUNDED = {"route": "faq", "answer": ANSWER, "passage_ids": ["P1"], "passages_answer": True}
CHANNEL = cli_channel_name("ct-exemplo")


@pytest.fixture
def base(own_database: str, tmp_path: Path, fake: FakeOpenAI) -> Settings:
    return Settings(
        database_url=own_database,
        data_dir=tmp_path / "data",
        knowledge_dir=PROJECT_ROOT / "knowledge",
        openai_api_key="sk-fake",
        openai_base_url=fake.base_url,
        openai_model="fake-model",
        openai_timeout=5.0,
    )


@attrs.define
class Stack:
    """One process's container: a test may run two, as `tatame serve` runs a worker beside the web."""

    container: AsyncContainer
    transcript: io.StringIO

    def member(self, phone: str) -> TerminalConversation:
        return TerminalConversation(self.container, CHANNEL, Phone(phone))

    @property
    def replies(self) -> list[str]:
        return [line for line in self.transcript.getvalue().splitlines() if line.startswith("bot> ")]

    async def calls(self, member: TerminalConversation) -> list:
        assert member.received is not None
        usage = await self.container.get(ModelUsage)
        return list(await usage.latest_turn_calls(member.received.tenant_id, member.received.conversation_id))

    async def health(self) -> dict:
        # No lifespan: the test closes the container. Litestar types its ASGI callable more narrowly than httpx.
        transport = httpx.ASGITransport(app=make_app(self.container))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://tatame") as client:
            response = await client.get("/health")
        assert response.status_code == 200
        return response.json()["llm"]


@pytest.fixture
async def stacks(clock: SettableClock) -> AsyncIterator[list[Stack]]:
    opened: list[Stack] = []
    yield opened
    for stack in opened:
        await stack.container.close()


@pytest.fixture
def start(stacks: list[Stack], clock: SettableClock):
    async def start(settings: Settings) -> Stack:
        transcript = io.StringIO()
        # Qdrant's local mode is one process's folder; PostgreSQL is what the processes share.
        settings = attrs.evolve(settings, data_dir=settings.data_dir / f"process-{len(stacks)}")
        stack = Stack(make_container(settings, Gateways(TerminalGateway(transcript)), clock), transcript)
        stacks.append(stack)
        await prepare(stack.container)
        return stack

    return start


@pytest.mark.parametrize(("model", "priced"), [("gpt-4o-mini", True), ("fake-model", False)])
async def test_every_call_is_recorded_with_its_tokens_and_its_cost_or_none(start, base, fake, model, priced):
    stack = await start(attrs.evolve(base, openai_model=model))
    member = stack.member("5511944440001")

    fake.plan(completion(GROUNDED))
    assert (await member.say(QUESTION)).reply == ANSWER
    [call] = await stack.calls(member)
    [request] = fake.requests
    prompt = sum(len(m["content"].split()) for m in request["messages"])  # what the fake counts and bills
    assert (call.decision, call.model, call.outcome, call.price_version) == ("faq_answer", model, "ok", PRICES.version)
    assert call.tokens == Tokens(prompt=prompt, cached=0, completion=len(json.dumps(GROUNDED).split()))
    assert call.conversation_id == member.received.conversation_id and call.message_id is not None
    if priced:
        assert call.cost_usd == PRICES.cost(model, call.tokens) and call.cost_usd > 0
    else:
        assert call.cost_usd is None

    fake.plan(failure(500))
    fell_back = await member.say("e o plano anual?")
    [failed] = await stack.calls(member)
    assert fell_back.route is Route.FAQ and failed.outcome == "status 500" and failed.tokens == Tokens()
    assert failed.cost_usd == (Decimal(0) if priced else None)


async def test_tokens_read_from_the_providers_cache_cost_the_cached_price(start, base, fake):
    stack = await start(attrs.evolve(base, openai_model="gpt-4o-mini"))
    member = stack.member("5511944440009")
    fake.plan(completion(GROUNDED, cached_tokens=20))

    await member.say(QUESTION)

    [call] = await stack.calls(member)
    uncached = attrs.evolve(call.tokens, cached=0)
    assert call.tokens.cached == 20 and call.cost_usd == PRICES.cost("gpt-4o-mini", call.tokens) < PRICES.cost("gpt-4o-mini", uncached)


async def test_a_call_stays_recorded_when_its_turn_is_overtaken_and_rolled_back(start, base, fake):
    stack = await start(base)
    phone = Phone("5511944440002")
    fake.plan(slow(2.0, GROUNDED))  # time enough for the new message to arrive while the call is out

    async def receive(text: str):
        inbound = InboundMessage(channel=CHANNEL, sender=phone, text=text, channel_message_id=uuid.uuid4().hex)
        return await in_request(stack.container, lambda request: _execute(request, ReceiveMessage, inbound))

    received = await receive(QUESTION)
    turn = asyncio.create_task(
        in_request(stack.container, lambda request: _execute(request, HandleTurn, received.tenant_id, received.conversation_id))
    )
    while not fake.requests:  # the call is out: the member writes again before it answers
        await asyncio.sleep(0.01)
    await receive("e para duas pessoas?")

    assert await turn is None  # stale: rolled back, to be answered whole by the next turn
    usage = await stack.container.get(ModelUsage)
    assert (await usage.spent(received.tenant_id, NOW - dt.timedelta(days=1))).unpriced_tokens > 0


async def _execute(request: AsyncContainer, use_case: type, *args: object):
    return await (await request.get(use_case)).execute(*args)


async def test_past_the_ceiling_no_call_is_made_and_the_offline_engine_answers_once(start, base, fake):
    # A ceiling the first call passes: a millionth of a dollar.
    stack = await start(attrs.evolve(base, openai_model="gpt-4o-mini", llm_monthly_budget_usd=0.000001))
    member = stack.member("5511944440003")
    fake.plan(completion(GROUNDED))
    with capture_logs() as logs:
        assert (await member.say(QUESTION)).reply == ANSWER
        offline = await member.say("e quanto custa o plano mensal?")
        again = await member.say("qual o valor do plano mensal?")

    assert len(fake.requests) == 1
    assert offline.route is Route.FAQ and "R$ 189" in offline.reply and offline.reply != ANSWER and again.reply != ANSWER
    assert len(stack.replies) == 3  # one reply a turn
    alerts = [(log["tenant"], log["threshold"], log["unit"]) for log in logs if log["event"] == "llm.budget_alert"]
    assert alerts == [("ct-exemplo", 80, "usd"), ("ct-exemplo", 100, "usd")]
    assert [log["reason"] for log in logs if log["event"] == "llm.fallback"] == ["budget exhausted", "budget exhausted"]
    assert await stack.calls(member) == []  # a refused call is no call


async def test_staff_are_told_at_80_and_100_percent_once_whatever_the_processes(start, base, fake):
    first = await start(base)  # no ceiling for a model without a price unless one is set
    member = first.member("5511944440004")
    fake.plan(completion(GROUNDED))
    await member.say(QUESTION)
    [call] = await first.calls(member)

    # Another deployment setting: the month's calls so far are 80% of it.
    limited = attrs.evolve(base, llm_monthly_budget_tokens=call.tokens.total * 5 // 4)
    worker, other_worker = await start(limited), await start(limited)
    fake.plan(completion(GROUNDED))
    with capture_logs() as logs:
        assert (await worker.member("5511944440004").say("e o plano mensal, quanto custa?")).reply == ANSWER
        await worker.member("5511944440004").say("quanto é o plano mensal?")
        await other_worker.member("5511944440005").say("quanto custa o plano mensal?")

    assert len(fake.requests) == 2
    alerts = [(log["threshold"], log["unit"]) for log in logs if log["event"] == "llm.budget_alert"]
    assert alerts == [(80, "tokens"), (100, "tokens")]
    health = await other_worker.health()
    assert [(a["tenant"], a["threshold"], a["unit"]) for a in health["budget_alerts"]] == [
        ("ct-exemplo", 80, "tokens"),
        ("ct-exemplo", 100, "tokens"),
    ]
    assert health["budget_alerts"][1]["ceiling"] == str(call.tokens.total * 5 // 4)


async def test_the_breaker_opens_after_consecutive_failures_and_a_test_call_closes_it(start, base, fake, clock):
    settings = attrs.evolve(base, llm_breaker_failures=3, llm_breaker_cooldown=60.0, openai_timeout=1.0)
    worker, web = await start(settings), await start(settings)  # the web process reads what the worker recorded
    member = worker.member("5511944440006")
    assert (await web.health())["circuit"] == "closed"

    fake.plan(failure(500), failure(429), slow(3.0))  # a 5xx, a rate limit, a timeout
    for _ in range(3):
        assert "R$ 189" in (await member.say(QUESTION)).reply
    assert len(fake.requests) == 3
    with capture_logs() as logs:
        assert "R$ 189" in (await member.say(QUESTION)).reply
    assert len(fake.requests) == 3  # open: no call
    assert [log["reason"] for log in logs if log["event"] == "llm.fallback"] == ["circuit open"]
    health = await web.health()
    assert health["circuit"] == "open" and dt.datetime.fromisoformat(health["circuit_until"]) == clock.now() + dt.timedelta(seconds=60)

    clock.current += dt.timedelta(seconds=61)
    assert (await web.health())["circuit"] == "half_open"
    fake.plan(completion(GROUNDED))
    assert (await member.say(QUESTION)).reply == ANSWER
    assert len(fake.requests) == 4
    assert (await web.health())["circuit"] == "closed"


async def _ingest_calls(database_url: str) -> list:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = sa.text("SELECT * FROM model_calls WHERE decision = 'ingest_embeddings' ORDER BY id")
            return list(await connection.execute(query))
    finally:
        await engine.dispose()


async def test_embedding_calls_are_recorded_and_past_the_ceiling_a_question_is_searched_by_bm25_alone(start, base, fake):
    model = "text-embedding-3-small"
    stack = await start(attrs.evolve(base, openai_model="gpt-4o-mini", openai_embedding_model=model))

    ingested = await _ingest_calls(base.database_url)
    [tenant_id] = {row.tenant_id for row in ingested}
    assert len(ingested) == len(fake.embedding_requests) > 0
    for row, request in zip(ingested, fake.embedding_requests, strict=True):
        tokens = Tokens(prompt=sum(len(text.split()) for text in request["input"]))  # what the fake bills
        assert (row.model, row.outcome, row.conversation_id, row.message_id) == (model, "ok", None, None)
        assert (row.prompt_tokens, row.cached_tokens, row.completion_tokens) == (tokens.prompt, 0, 0)
        assert row.cost_usd == PRICES.cost(model, tokens) > 0

    member = stack.member("5511944440009")
    fake.plan(completion(GROUNDED))
    assert (await member.say(QUESTION)).reply == ANSWER
    embedded, answered = await stack.calls(member)
    assert (embedded.decision, embedded.model, embedded.outcome, embedded.tenant_id) == ("query_embedding", model, "ok", tenant_id)
    assert (embedded.conversation_id, embedded.message_id) == (answered.conversation_id, answered.message_id)
    assert embedded.tokens == Tokens(prompt=len(QUESTION.split())) and embedded.cost_usd == PRICES.cost(model, embedded.tokens)

    # The month is spent: another process still indexes the pack (its own Qdrant folder), a question is not embedded.
    fake.reset()
    spent = await start(attrs.evolve(base, openai_model="gpt-4o-mini", openai_embedding_model=model, llm_monthly_budget_usd=0.000001))
    assert len(await _ingest_calls(base.database_url)) == len(ingested) + len(fake.embedding_requests) > len(ingested)
    fake.embedding_requests.clear()
    with capture_logs() as logs:
        offline = await spent.member("5511944440009").say("e quanto custa o plano mensal?")

    assert fake.embedding_requests == [] and fake.requests == []
    assert "R$ 189" in offline.reply  # BM25 found the section, the offline engine answered from it
    fallbacks = [(log["decision"], log["reason"]) for log in logs if log["event"] == "llm.fallback"]
    assert fallbacks == [("query_embedding", "budget exhausted"), ("faq_answer", "budget exhausted")]


def _tatame(args: list[str], database_url: str, data_dir: Path, stdin: str = "", **variables: str) -> str:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "TATAME_", "LLM_")) and k not in {"DATABASE_URL", "KNOWLEDGE_DIR"}
    }
    env = {**keep, "DATABASE_URL": database_url, "TATAME_DATA_DIR": str(data_dir), "PYTHONPATH": str(PROJECT_ROOT / "src"), **variables}
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_stats_count_turns_by_route_and_engine_and_calls_by_day(start, base, fake, tmp_path):
    stack = await start(attrs.evolve(base, openai_model="gpt-4o-mini"))
    member = stack.member("5511944440007")
    greeting = {"reply": "Oi! Em que posso ajudar?"}
    fake.plan(completion(GROUNDED), failure(500), completion(greeting))
    await member.say(QUESTION)  # the model answers
    await member.say("e quanto custa o plano anual?")  # the call fails: the offline engine answers
    await member.say("oi")  # small talk, by the model too
    [answered, _, greeted] = fake.requests
    tokens = Tokens(
        prompt=sum(len(m["content"].split()) for request in (answered, greeted) for m in request["messages"]),
        completion=len(json.dumps(GROUNDED).split()) + len(json.dumps(greeting).split()),
    )

    out = await asyncio.to_thread(
        _tatame, ["stats", "--since", "2026-03-01", "--tenant", "ct-exemplo"], base.database_url, tmp_path / "cli"
    )

    lines = out.splitlines()
    assert lines[:6] == [
        "since 2026-03-01, tenant ct-exemplo",
        "turns (UTC days)",
        "day         route      engine    turns",
        "2026-03-02  faq        fallback      1",
        "2026-03-02  faq        model         1",
        "2026-03-02  smalltalk  model         1",
    ]
    assert lines[7] == "model calls"
    assert lines[9].split() == [
        "2026-03-02",
        "3",
        "1",
        str(tokens.prompt),
        "0",
        str(tokens.completion),
        f"{PRICES.cost('gpt-4o-mini', tokens):.6f}",
    ]
    elsewhere = await asyncio.to_thread(_tatame, ["stats", "--since", "2026-03-03"], base.database_url, tmp_path / "cli")
    assert elsewhere.splitlines()[1:] == ["turns (UTC days)", "none", "", "model calls", "none"]
    with pytest.raises(AssertionError, match="no tenant 'ct-nenhum'"):
        await asyncio.to_thread(_tatame, ["stats", "--tenant", "ct-nenhum"], base.database_url, tmp_path / "cli")


async def test_chat_verbose_shows_the_engine_and_each_call_with_its_tokens(base, fake, tmp_path):
    greeting = {"reply": "Oi! Em que posso ajudar?"}
    fake.plan(completion(GROUNDED), completion(greeting), failure(500))
    model = {"OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": fake.base_url, "OPENAI_MODEL": "fake-model"}
    out = await asyncio.to_thread(
        _tatame, ["chat", "-v", "--phone", "5511944440008"], base.database_url, tmp_path / "cli", QUESTION + "\noi\nobrigado\n", **model
    )
    answered, greeted, _ = fake.requests

    def tokens(request: dict, reply: object) -> str:
        prompt = sum(len(m["content"].split()) for m in request["messages"])
        return f"{prompt} tokens de entrada (0 em cache) + {len(json.dumps(reply).split())} de saída"

    notes = [line for line in out.splitlines() if line.startswith("(rota:")]
    assert notes == [
        f"(rota: faq · motor: model · faq_answer ok: {tokens(answered, GROUNDED)})",
        f"(rota: smalltalk · motor: model · smalltalk ok: {tokens(greeted, greeting)})",
        "(rota: smalltalk · motor: fallback · smalltalk status 500: 0 tokens de entrada (0 em cache) + 0 de saída)",
    ]


async def test_health_answers_without_the_model_and_without_its_ledger(start, base):
    offline = await start(attrs.evolve(base, engine_choice="offline"))
    assert await offline.health() == {"engine": "offline", "budget_alerts": []}

    engine = create_async_engine(base.database_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("DROP TABLE model_calls"))
    await engine.dispose()
    online = await start(base)
    with capture_logs() as logs:
        assert await online.health() == {"status": "unknown"}
    assert [log["event"] for log in logs] == ["health.llm_unknown"]
