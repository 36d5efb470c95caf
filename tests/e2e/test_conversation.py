"""A member's turns through the real stack: PostgreSQL, Qdrant local, the offline engine."""

import pytest

from application.ingest_knowledge import cli_channel_name
from application.unit_of_work import UnitOfWork
from domain.conversation import ConversationStatus
from domain.message import Direction, MessageStatus
from domain.phone import Phone
from domain.route import Route
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.requests import in_request
from adapters.terminal import TerminalGateway


def _member(container, phone: str) -> TerminalConversation:
    return TerminalConversation(container, cli_channel_name("ct-exemplo"), Phone(phone))


async def _state(container, member: TerminalConversation):
    received = member.received

    async def read(request):
        uow = await request.get(UnitOfWork)
        conversation = await uow.conversations.get(received.tenant_id, received.conversation_id)
        history = await uow.messages.recent(received.tenant_id, received.conversation_id, 100)
        escalations = await uow.escalations.for_conversation(received.tenant_id, received.conversation_id)
        return conversation, history, escalations

    return await in_request(container, read)


async def test_faq_reply_is_persisted_and_delivered(container, transcript):
    member = _member(container, "5511911110001")
    result = await member.say("quanto custa o plano mensal?")
    assert result.route is Route.FAQ and "R$ 189" in result.reply
    _, history, _ = await _state(container, member)
    assert [(m.direction, m.status) for m in history] == [
        (Direction.INBOUND, MessageStatus.PROCESSED),
        (Direction.OUTBOUND, MessageStatus.SENT),
    ]
    assert "R$ 189" in transcript.getvalue()


async def test_paid_service_escalates_and_the_bot_goes_quiet(container, transcript):
    member = _member(container, "5511911110002")
    result = await member.say("quanto custa o personal trainer?")
    assert result.route is Route.ESCALATE and "(11) 99999-0000" in result.reply
    conversation, _, [escalation] = await _state(container, member)
    assert conversation.status is ConversationStatus.WAITING_HUMAN and escalation.subject == "Personal trainer"
    delivered = transcript.getvalue()
    quiet = await member.say("oi? alguém?")
    assert (quiet.route, quiet.reply) == (Route.PAUSED, None)
    assert transcript.getvalue() == delivered


async def test_history_survives_a_restart(container, settings, clock, transcript):
    member = _member(container, "5511911110003")
    first = await member.say("qual a capital da frança?")
    assert first.route is Route.FAQ and "Não encontrei" in first.reply
    await container.close()
    restarted = make_container(settings, TerminalGateway(transcript), clock)
    try:
        member.container = restarted
        again = await member.say("sim")
        assert again.route is Route.ESCALATE
        _, history, _ = await _state(restarted, member)
        assert [m.text for m in history][:2] == ["qual a capital da frança?", first.reply]
    finally:
        await restarted.close()


async def test_same_phone_at_two_tenants_are_two_clients(container, settings, tmp_path):
    """Tenant isolation at the use-case level: one phone, two centers, two separate histories."""
    member_a = _member(container, "5511911110004")
    await member_a.say("quero falar com um atendente")
    conversation_a, _, _ = await _state(container, member_a)
    assert conversation_a.status is ConversationStatus.WAITING_HUMAN

    async def other_tenant(request):
        uow = await request.get(UnitOfWork)
        tenant = await uow.tenants.by_slug("ct-exemplo")
        return await uow.clients.by_phone(tenant.id, Phone("5511911110099"))

    assert await in_request(container, other_tenant) is None


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("bom dia!", Route.SMALLTALK),
        ("como funciona a aula experimental?", Route.FAQ),
        ("quero marcar uma aula experimental de muay thai", Route.BOOKING),
        ("quero falar com um atendente", Route.ESCALATE),
    ],
)
async def test_routes(container, text, route):
    member = _member(container, f"55119222{abs(hash(text)) % 10**5:05d}")
    assert (await member.say(text)).route is route
