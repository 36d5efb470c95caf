"""The dashboard's knowledge test and overview with the openai engine: the model answers a tried
question (billed, recorded in the ledger) and nothing of a conversation is stored."""

import io
from collections.abc import AsyncIterator

import attrs
import pytest
import sqlalchemy as sa
from dishka import AsyncContainer

from adapters.clock import SettableClock
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.report_overview import ReportOverview
from application.try_question import TryQuestion
from application.unit_of_work import UnitOfWork
from domain.route import Route
from entrypoints.container import OwnerEngine, make_container
from entrypoints.requests import in_request
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests.fakes.openai_server import FakeOpenAI, completion, own_model

ANSWER = "O plano mensal custa R$ 189,00 e inclui todas as modalidades."


@pytest.fixture
async def container(settings: Settings, clock: SettableClock, fake: FakeOpenAI) -> AsyncIterator[AsyncContainer]:
    settings = attrs.evolve(settings, openai_api_key="sk-fake", openai_base_url=fake.base_url, openai_model=own_model(), openai_timeout=2.0)
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), clock)
    await prepare(container)
    yield container
    await container.close()


async def _stored(request) -> dict[str, int]:
    engine = await request.get(OwnerEngine)
    async with engine.connect() as connection:
        return {
            table: await connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("messages", "conversations", "clients", "outbox", "model_calls")
        }


async def test_a_tried_question_is_answered_by_the_model_and_leaves_only_its_bill(container, fake):
    async def before(request):
        tenant = await (await request.get(UnitOfWork)).tenants.by_slug("ct-exemplo")
        return tenant, await _stored(request)

    tenant, stored = await in_request(container, before)
    fake.plan(completion({"route": "faq", "answer": ANSWER, "passage_ids": ["P1"], "passages_answer": True}))

    async def tried(request):
        return await (await request.get(TryQuestion)).execute(tenant.id, "quanto custa o plano mensal?")

    trial = await in_request(container, tried)

    assert (trial.route, trial.reply) == (Route.FAQ, ANSWER) and trial.passages
    assert len(fake.requests) == 1 and "[P1]" in fake.requests[0]["messages"][-1]["content"]
    after = await in_request(container, _stored)
    assert after == {**stored, "model_calls": stored["model_calls"] + 1}

    async def overview(request):
        return await (await request.get(ReportOverview)).execute(tenant.id, 1)

    spend = (await in_request(container, overview)).spend
    assert spend is not None and spend.calls >= 1 and spend.tokens.prompt > 0
