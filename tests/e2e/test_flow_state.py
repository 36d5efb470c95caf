"""A conversation's flow state through PostgreSQL: rows written before the state had a version
still load (a member waiting on the booking summary across an upgrade keeps their booking), and
what is written reads back the same."""

import datetime as dt
import json
import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.unit_of_work import UnitOfWork
from domain.client import Client
from domain.conversation import Conversation
from domain.flow import Awaiting, FlowState, Interview, Period
from domain.phone import Phone
from domain.tenant import Tenant
from entrypoints.container import OwnerEngine
from entrypoints.requests import in_request

NOW = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)


async def _new_conversation(container) -> tuple[uuid.UUID, uuid.UUID]:
    async def create(request):
        uow = await request.get(UnitOfWork)
        tenant = Tenant(slug=f"flow-{uuid.uuid4().hex[:8]}", name="CT Flow")
        client = Client(tenant_id=tenant.id, phone=Phone("5511955551234"))
        conversation = Conversation(tenant_id=tenant.id, client_id=client.id, created_at=NOW)
        uow.tenants.add(tenant), uow.clients.add(client), uow.conversations.add(conversation)
        await uow.commit()
        return tenant.id, conversation.id

    return await in_request(container, create)


async def _load(container, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    async def get(request):
        return await (await request.get(UnitOfWork)).conversations.get(tenant_id, conversation_id)

    return await in_request(container, get)


async def test_a_row_in_the_format_before_versions_loads(container):
    tenant_id, conversation_id = await _new_conversation(container)
    before_versions = {
        "booking": {
            "modality": "Jiu-Jitsu",
            "day": "2026-03-06",
            "time": "19:30:00",
            "period": None,
            "name": "Ana",
            "starts_at": "2026-03-06T19:30:00-03:00",
            "awaiting": "confirmation",
        },
        "offer_human": True,
    }
    async with container() as request:
        engine = await request.get(OwnerEngine)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text("UPDATE conversations SET flow_state = CAST(:flow AS jsonb) WHERE id = :id"),
            {"flow": json.dumps(before_versions), "id": conversation_id},
        )
    loaded = await _load(container, tenant_id, conversation_id)
    assert loaded.flow == FlowState(
        interview=Interview(
            modality="Jiu-Jitsu",
            day=dt.date(2026, 3, 6),
            time=dt.time(19, 30),
            name="Ana",
            starts_at=dt.datetime(2026, 3, 6, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
            awaiting=Awaiting.CONFIRMATION,
        ),
        offered_human=True,
    )


# What a member's cleaned text can hold: no NUL, no lone surrogate (the inbox removes them).
_text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)
_interviews = st.builds(
    Interview,
    modality=st.none() | _text,
    day=st.none() | st.dates(),
    time=st.none() | st.times(),
    period=st.none() | st.sampled_from(Period),
    name=st.none() | _text,
    starts_at=st.none() | st.datetimes(timezones=st.just(dt.UTC)),
    awaiting=st.none() | st.sampled_from(Awaiting),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flow=st.builds(FlowState, interview=st.none() | _interviews, offered_human=st.booleans()))
async def test_what_is_written_reads_back_the_same(container, flow):
    tenant_id, conversation_id = await _new_conversation(container)

    async def write(request):
        uow = await request.get(UnitOfWork)
        conversation = await uow.conversations.get(tenant_id, conversation_id)
        conversation.flow = flow
        await uow.commit()

    await in_request(container, write)
    assert (await _load(container, tenant_id, conversation_id)).flow == flow
