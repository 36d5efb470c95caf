"""What the dashboard tests share: staff users and conversations made through the real use cases and
repositories, and signing in through the login form."""

import datetime as dt
import re
import uuid

import attrs
import httpx
from dishka import AsyncContainer

from application.add_staff_user import AddStaffUser
from application.unit_of_work import UnitOfWork
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation
from domain.escalation import Escalation, EscalationReason
from domain.message import Author, Direction, Message, MessageStatus
from domain.phone import Phone
from domain.tenant import Tenant
from domain.trial_class import TrialClass

PASSWORD = "senha-do-painel-1"
_CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def staff_user(container: AsyncContainer, tenant: str, email: str | None = None) -> str:
    """A new staff user of `tenant` (slug); their e-mail."""
    email = email or f"staff-{uuid.uuid4().hex[:8]}@{tenant}.com.br"
    async with container() as request:
        await (await request.get(AddStaffUser)).execute(tenant, email, PASSWORD)
    return email


async def other_tenant(container: AsyncContainer) -> Tenant:
    tenant = Tenant(slug=f"outro-{uuid.uuid4().hex[:6]}", name="Outro CT")
    async with container() as request:
        uow = await request.get(UnitOfWork)
        uow.tenants.add(tenant)
        await uow.commit()
    return tenant


@attrs.frozen
class Made:
    conversation_id: uuid.UUID
    phone: str


async def _member_wrote(
    uow: UnitOfWork, tenant_slug: str, name: str, text: str, route: str, at: dt.datetime
) -> tuple[Tenant, Client, Conversation]:
    """A new member of the tenant whose message `text`, sent at `at` on a channel of its own, took `route`."""
    tenant = await uow.tenants.by_slug(tenant_slug)
    assert tenant is not None
    channel = Channel(tenant_id=tenant.id, kind="cli", name=f"test:{uuid.uuid4().hex[:8]}")
    client = Client(tenant_id=tenant.id, phone=Phone("55119" + str(uuid.uuid4().int)[:8]), name=name)
    conversation = Conversation(tenant_id=tenant.id, client_id=client.id, created_at=at)
    uow.channels.add(channel)
    uow.clients.add(client)
    uow.conversations.add(conversation)
    uow.messages.add(
        Message(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            direction=Direction.INBOUND,
            author=Author.MEMBER,
            text=text,
            status=MessageStatus.PROCESSED,
            route=route,
            created_at=at,
        )
    )
    return tenant, client, conversation


async def escalated_conversation(container: AsyncContainer, tenant_slug: str, name: str, at: dt.datetime) -> Made:
    """A member who asked for a person at `at`: the conversation waits for staff."""
    async with container() as request:
        uow = await request.get(UnitOfWork)
        tenant, client, conversation = await _member_wrote(uow, tenant_slug, name, "quero falar com uma pessoa", "escalate", at)
        conversation.hand_to_human(at, dt.timedelta(hours=12), "escalated: the member asked for a person")
        uow.escalations.add(
            Escalation(tenant_id=tenant.id, conversation_id=conversation.id, reason=EscalationReason.HUMAN_REQUESTED, created_at=at)
        )
        await uow.commit()
    return Made(conversation.id, str(client.phone))


@attrs.frozen
class Booked:
    trial_class_id: uuid.UUID
    conversation_id: uuid.UUID
    phone: str


async def booked_trial_class(container: AsyncContainer, tenant_slug: str, name: str, starts_at: dt.datetime, at: dt.datetime) -> Booked:
    """A member who wrote at `at` and has a trial class of Boxe at `starts_at`."""
    async with container() as request:
        uow = await request.get(UnitOfWork)
        tenant, client, conversation = await _member_wrote(
            uow, tenant_slug, name, "quero marcar uma aula experimental de boxe", "booking", at
        )
        trial = TrialClass(
            tenant_id=tenant.id, client_id=client.id, conversation_id=conversation.id, modality="Boxe", starts_at=starts_at, created_at=at
        )
        uow.trial_classes.add(trial)
        await uow.commit()
    return Booked(trial.id, conversation.id, str(client.phone))


def csrf_token(html: str) -> str:
    found = _CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def log_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Through the form, as a browser would: the login page first (its CSRF cookie and field)."""
    page = await http.get("/dashboard/login")
    return await http.post("/dashboard/login", data={"email": email, "password": password, "_csrf_token": csrf_token(page.text)})
