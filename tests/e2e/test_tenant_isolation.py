"""Hypothesis drives the real PostgreSQL repositories: whatever members write to whichever
centers, no query scoped to one tenant ever returns another tenant's data."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.inbox import InboundMessage
from application.ingest_knowledge import cli_channel_name
from application.receive_message import ReceiveMessage
from application.unit_of_work import UnitOfWork
from domain.channel import Channel
from domain.phone import Phone
from domain.tenant import Tenant
from entrypoints.requests import in_request

PHONES = [Phone(f"55119000000{i:02d}") for i in range(4)]


@pytest.fixture
async def tenants(container) -> list[Tenant]:
    async def create(request):
        uow = await request.get(UnitOfWork)
        made = []
        for _ in range(3):
            tenant = Tenant(slug=f"iso-{uuid.uuid4().hex[:8]}", name="CT Isolado")
            uow.tenants.add(tenant)
            uow.channels.add(Channel(tenant_id=tenant.id, kind="cli", name=cli_channel_name(tenant.slug)))
            made.append(tenant)
        await uow.commit()
        return made

    return await in_request(container, create)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    writes=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 3),
            # No lone surrogates: a message keeps them as U+FFFD (domain/message.py; tests/e2e/test_http_edges.py covers
            # it), and this test compares the texts it sent.
            st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), min_size=1, max_size=20).filter(
                str.strip
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
async def test_no_query_crosses_tenants(container, tenants, writes):
    received = []
    for tenant_index, phone_index, text in writes:
        inbound = InboundMessage(
            channel=cli_channel_name(tenants[tenant_index].slug), sender=PHONES[phone_index], text=text, channel_message_id=uuid.uuid4().hex
        )

        async def receive(request, inbound=inbound):
            return await (await request.get(ReceiveMessage)).execute(inbound)

        received.append((tenant_index, phone_index, text, await in_request(container, receive)))

    async def check(request):
        uow = await request.get(UnitOfWork)
        for tenant_index, phone_index, text, got in received:
            owner = tenants[tenant_index]
            assert got.tenant_id == owner.id
            pending = await uow.messages.awaiting_turn(owner.id, got.conversation_id, 100)
            assert text in [m.text for m in pending] and {m.tenant_id for m in pending} == {owner.id}
            for other in tenants:
                if other.id == owner.id:
                    continue
                assert await uow.conversations.get(other.id, got.conversation_id) is None
                assert await uow.messages.awaiting_turn(other.id, got.conversation_id, 100) == []
                client = await uow.clients.by_phone(other.id, PHONES[phone_index])
                assert client is None or client.tenant_id == other.id

    await in_request(container, check)
