"""A member who floods is answered once per burst, and never gets a second reply while the first
is still on its way: the rest of what they wrote is recorded and read by the next turn."""

import asyncio
import datetime as dt
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.whatsapp import INSTANCE, TOKEN, ShiftedClock, running_service, sent_to, service_settings, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution, server_error


@pytest.fixture
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


@pytest.fixture
async def db(database_url):
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def _inbound(db, phone: str) -> list[str]:
    async with db.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT m.status FROM messages m JOIN clients k ON k.tenant_id = m.tenant_id "
                "JOIN conversations c ON c.id = m.conversation_id AND c.client_id = k.id "
                "WHERE k.phone = :phone AND m.direction = 'in'"
            ),
            {"phone": phone},
        )
        return [row.status for row in rows]


async def _outbound(db, phone: str) -> int:
    async with db.connect() as connection:
        return (
            await connection.execute(
                sa.text(
                    "SELECT count(*) FROM messages m JOIN clients k ON k.tenant_id = m.tenant_id "
                    "JOIN conversations c ON c.id = m.conversation_id AND c.client_id = k.id "
                    "WHERE k.phone = :phone AND m.direction = 'out'"
                ),
                {"phone": phone},
            )
        ).scalar_one()


async def test_a_flood_in_one_window_gets_one_reply_and_every_message_is_recorded(database_url, evolution, db, tmp_path):
    base = Settings(database_url=database_url, data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge")
    phone = "5511976660001"
    # The window outlasts any pause of a loaded machine between posts: the flood is one burst. The
    # test then moves the clock past the window instead of waiting for it.
    settings = service_settings(base, evolution, buffer_window=30.0, buffer_max=120.0)
    async for service in running_service(settings, ShiftedClock()):
        started = time.monotonic()
        for i in range(0, 300, 20):
            responses = await asyncio.gather(*(service.post(text_message(phone, f"oi {j}, qual o endereço?")) for j in range(i, i + 20)))
            assert all(r.status_code == 200 for r in responses)
        assert time.monotonic() - started < 30.0, "the flood must fit in one window for this test to mean anything"
        service.clock.offset += dt.timedelta(seconds=120)
        replies = await wait_for_replies(evolution, phone, 1, timeout=15, settle=1.5)
        assert len(replies) == 1, replies
        statuses = await _inbound(db, phone)
        assert len(statuses) == 300 and set(statuses) == {"processed"}


async def test_no_second_reply_is_decided_while_the_first_is_undelivered(database_url, evolution, db, tmp_path):
    base = Settings(database_url=database_url, data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge")
    phone = "5511976660002"
    # Evolution fails the first send; its retry waits 5 minutes, on a clock the test moves.
    evolution.plan(server_error())
    settings = service_settings(base, evolution, outbox_retry=300.0)
    async for service in running_service(settings, ShiftedClock()):
        await service.post(text_message(phone, "qual o endereço?"))
        while not any(r.path.startswith("/message/sendText/") for r in evolution.requests):
            await asyncio.sleep(0.01)
        await service.post(text_message(phone, "e quanto custa o plano mensal?"))
        service.clock.offset += dt.timedelta(minutes=1)  # the second burst is due, the retry is not
        await asyncio.sleep(0.5)  # some 25 worker rounds, each of which could decide a reply
        assert sent_to(evolution, phone) == [] and await _outbound(db, phone) == 1
        service.clock.offset += dt.timedelta(minutes=10)
        replies = await wait_for_replies(evolution, phone, 2, timeout=10, settle=1.0)
        assert len(replies) == 2 and "R$ 189" in replies[1], replies
        assert set(await _inbound(db, phone)) == {"processed"}
