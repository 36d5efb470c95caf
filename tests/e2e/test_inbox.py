"""The inbox's group commit on real PostgreSQL: concurrent stores share a transaction, and each
still gets what a store of its own would have given."""

import asyncio
import datetime as dt
import random
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.inbox import PostgresInbox
from application.inbox import BufferPolicy, InboundMessage
from application.ingest_knowledge import cli_channel_name
from application.unit_of_work import UnitOfWork
from domain.channel import Channel
from domain.phone import Phone
from domain.tenant import FrontDeskSettings, Tenant
from entrypoints.container import OwnerEngine
from entrypoints.requests import in_request

ARRIVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
BUFFER = BufferPolicy()


@pytest.fixture
async def channel(container) -> Channel:
    return await _new_channel(container)


async def _new_channel(container) -> Channel:
    async def create(request):
        uow = await request.get(UnitOfWork)
        tenant = Tenant(slug=f"inbox-{uuid.uuid4().hex[:8]}", name="CT Inbox")
        uow.tenants.add(tenant)
        channel = Channel(tenant_id=tenant.id, kind="cli", name=cli_channel_name(tenant.slug))
        uow.channels.add(channel)
        await uow.commit()
        return channel

    return await in_request(container, create)


@pytest.fixture
async def engine(container) -> AsyncEngine:
    """The application's: the inbox writes under row-level security."""
    return await container.get(AsyncEngine)


@pytest.fixture
async def owner(container) -> AsyncEngine:
    """The tables' owner: the tests read what was stored, every tenant's."""
    return await container.get(OwnerEngine)


def _message(phone: str, message_id: str) -> InboundMessage:
    return InboundMessage(channel="any", sender=Phone(phone), text=f"texto {message_id}", channel_message_id=message_id)


async def _store(inbox: PostgresInbox, channel: Channel, message: InboundMessage):
    return await inbox.store(channel, message, text=message.text or "", media=None, arrived_at=ARRIVED, buffer=BUFFER)


async def _rows(engine: AsyncEngine, sql: str, **parameters) -> list[tuple]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(sa.text(sql), parameters)]


async def test_one_members_messages_and_a_duplicate_in_one_transaction(engine, owner, channel):
    inbox = PostgresInbox(engine)
    phone = "5511955550001"
    messages = [_message(phone, "m1"), _message(phone, "m2"), _message(phone, "m1"), _message(phone, "m3")]
    results = await asyncio.gather(*(_store(inbox, channel, message) for message in messages))
    assert [r.stored for r in results] == [True, True, False, True]
    assert len({r.conversation_id for r in results}) == 1
    transactions = await _rows(owner, "SELECT DISTINCT xmin::text FROM messages WHERE channel_id = :channel", channel=channel.id)
    assert len(transactions) == 1
    conversations = await _rows(
        owner,
        "SELECT c.id, c.inbound_version FROM conversations c JOIN clients k ON k.id = c.client_id WHERE k.tenant_id = :tenant",
        tenant=channel.tenant_id,
    )
    # Every delivery moves the buffer, the duplicate too, as stores one after the other would.
    assert conversations == [(results[0].conversation_id, 4)]
    texts = await _rows(owner, "SELECT channel_message_id FROM messages WHERE channel_id = :channel ORDER BY 1", channel=channel.id)
    assert texts == [("m1",), ("m2",), ("m3",)]


async def test_a_store_that_fails_fails_alone(engine, owner, channel):
    inbox = PostgresInbox(engine)
    unregistered = Channel(tenant_id=channel.tenant_id, kind="cli", name="not-in-the-database")
    results = await asyncio.gather(
        _store(inbox, channel, _message("5511955550002", "ok-1")),
        _store(inbox, unregistered, _message("5511955550003", "refused")),
        _store(inbox, channel, _message("5511955550004", "ok-2")),
        return_exceptions=True,
    )
    assert results[0].stored and results[2].stored
    assert isinstance(results[1], Exception)
    stored = await _rows(owner, "SELECT channel_message_id FROM messages WHERE tenant_id = :tenant ORDER BY 1", tenant=channel.tenant_id)
    assert stored == [("ok-1",), ("ok-2",)]


async def test_concurrent_batches_over_the_same_members_lose_nothing(engine, owner, channel):
    inbox = PostgresInbox(engine, max_batch=8, max_in_flight=3)
    phones = [f"55119555510{i:02d}" for i in range(6)]
    deliveries = [(phone, f"{phone}-{n}") for phone in phones for n in range(10)]
    random.Random(7).shuffle(deliveries)
    deliveries += deliveries[:12]  # redelivered
    results = await asyncio.gather(*(_store(inbox, channel, _message(phone, id_)) for phone, id_ in deliveries))
    assert sum(r.stored for r in results) == 60
    counts = await _rows(
        owner,
        "SELECT k.phone, c.inbound_version, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) "
        "FROM conversations c JOIN clients k ON k.id = c.client_id WHERE k.tenant_id = :tenant ORDER BY 1",
        tenant=channel.tenant_id,
    )
    redelivered = {phone: sum(1 for p, _ in deliveries[:12] if p == phone) for phone in phones}
    assert counts == [(phone, 10 + redelivered[phone], 10) for phone in phones]


async def test_a_batch_of_several_tenants_stores_each_under_its_own(engine, owner, container):
    """A batch is one transaction for any tenants' members: each statement sets its own tenant
    for row-level security, and none is refused or lands in the other's rows."""
    channels = [await _new_channel(container), await _new_channel(container)]
    inbox = PostgresInbox(engine, max_batch=16, max_in_flight=1)
    deliveries = [(channels[n % 2], f"551195556{n:04d}", f"mixed-{n}") for n in range(12)]
    results = await asyncio.gather(*(_store(inbox, channel, _message(phone, id_)) for channel, phone, id_ in deliveries))
    assert all(r.stored for r in results)
    for channel in channels:
        rows = await _rows(
            owner,
            "SELECT m.tenant_id, k.tenant_id, c.tenant_id FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " JOIN clients k ON k.id = c.client_id WHERE m.channel_id = :channel",
            channel=channel.id,
        )
        assert rows == [(channel.tenant_id,) * 3] * 6


async def test_a_centers_own_buffer_window_sets_when_its_bursts_are_due(container, engine, owner):
    async def create(request):
        uow = await request.get(UnitOfWork)
        tenant = Tenant(slug=f"inbox-{uuid.uuid4().hex[:8]}", name="CT Balcão", front_desk=FrontDeskSettings(buffer_window_seconds=90))
        uow.tenants.add(tenant)
        channel = Channel(tenant_id=tenant.id, kind="cli", name=cli_channel_name(tenant.slug))
        uow.channels.add(channel)
        await uow.commit()
        return channel

    channel = await in_request(container, create)
    inbox = PostgresInbox(engine)
    first = await _store(inbox, channel, _message("5511955559001", "own-window-1"))
    query = "SELECT due_at FROM conversations WHERE id = :id"
    # 90 s, not the deployment's 15; and the longest wait stretches to the window (not 60 s).
    assert await _rows(owner, query, id=first.conversation_id) == [(ARRIVED + dt.timedelta(seconds=90),)]
    later = ARRIVED + dt.timedelta(seconds=30)
    await inbox.store(channel, _message("5511955559001", "own-window-2"), text="mais", media=None, arrived_at=later, buffer=BUFFER)
    assert await _rows(owner, query, id=first.conversation_id) == [(ARRIVED + dt.timedelta(seconds=90),)]
