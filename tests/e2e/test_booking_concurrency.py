"""Two members confirm the last seat at the same moment, each in its own session on the real
PostgreSQL: exactly one gets it."""

import asyncio
import datetime as dt
import uuid

from application.register_trial_class import RegisterTrialClass
from application.unit_of_work import UnitOfWork
from domain.booking import ClassFull
from domain.client import Client
from domain.conversation import Conversation
from domain.phone import Phone
from domain.tenant import ClassSlot, Modality, Tenant
from entrypoints.requests import in_request

SP = dt.timezone(dt.timedelta(hours=-3))
BOXE = Modality(name="Boxe", capacity=1, schedule=[ClassSlot(weekday="tue", start=dt.time(20), duration_minutes=60)])
TUESDAY_20 = dt.datetime(2026, 3, 3, 20, 0, tzinfo=SP)


async def test_the_last_seat_is_booked_once(container):
    async def make_tenant(request):
        uow = await request.get(UnitOfWork)
        tenant = Tenant(slug=f"race-{uuid.uuid4().hex[:8]}", name="CT Corrida", modalities=[BOXE])
        uow.tenants.add(tenant)
        await uow.commit()
        return tenant.id

    tenant_id = await in_request(container, make_tenant)
    both_ready = asyncio.Barrier(2)

    async def book(phone: str):
        async def attempt(request):
            uow = await request.get(UnitOfWork)
            tenant = await uow.tenants.get(tenant_id)
            client = Client(tenant_id=tenant_id, phone=Phone(phone))
            uow.clients.add(client)
            conversation = Conversation(tenant_id=tenant_id, client_id=client.id, created_at=TUESDAY_20 - dt.timedelta(days=1))
            uow.conversations.add(conversation)
            register = await request.get(RegisterTrialClass)
            await uow.trial_classes.seats_taken(tenant_id, "Boxe", TUESDAY_20)  # both have read: 0 booked
            await both_ready.wait()
            trial = await register.execute(tenant, conversation, client, tenant.modalities[0], TUESDAY_20)
            await uow.commit()
            return trial

        try:
            return await in_request(container, attempt)
        except ClassFull:
            return None

    results = await asyncio.gather(book("5511944440001"), book("5511944440002"))
    assert sum(r is not None for r in results) == 1

    async def count(request):
        return await (await request.get(UnitOfWork)).trial_classes.seats_taken(tenant_id, "Boxe", TUESDAY_20)

    assert await in_request(container, count) == 1
