"""A member's turns through the real stack: PostgreSQL, Qdrant local, the offline engine."""

import shutil

import attrs
import pytest

from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.ingest_knowledge import cli_channel_name
from application.unit_of_work import UnitOfWork
from domain.conversation import ConversationStatus
from domain.message import Direction, MessageStatus
from domain.phone import Phone
from domain.route import Route
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.requests import in_request
from entrypoints.startup import prepare
from tests import PROJECT_ROOT


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
    restarted = make_container(settings, Gateways(TerminalGateway(transcript)), clock)
    try:
        member.container = restarted
        again = await member.say("sim")
        assert again.route is Route.ESCALATE
        _, history, _ = await _state(restarted, member)
        assert [m.text for m in history][:2] == ["qual a capital da frança?", first.reply]
    finally:
        await restarted.close()


async def test_same_phone_at_two_tenants_are_two_clients(settings, clock, transcript, tmp_path):
    """Tenant isolation at the use-case level: one phone, two centers, two separate histories; an
    escalation at one center leaves the bot answering at the other."""
    knowledge = tmp_path / "knowledge"
    for slug in ("ct-norte", "ct-sul"):
        shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", knowledge / slug)
    container = make_container(attrs.evolve(settings, knowledge_dir=knowledge), Gateways(TerminalGateway(transcript)), clock)
    try:
        await prepare(container)
        phone = Phone("5511911110004")
        north = TerminalConversation(container, cli_channel_name("ct-norte"), phone)
        south = TerminalConversation(container, cli_channel_name("ct-sul"), phone)
        assert (await north.say("quero falar com um atendente")).route is Route.ESCALATE
        answered = await south.say("quanto custa o plano mensal?")
        assert answered.route is Route.FAQ and "R$ 189" in answered.reply
        assert north.received.tenant_id != south.received.tenant_id
        (north_conversation, north_history, _), (south_conversation, south_history, _) = (
            await _state(container, north),
            await _state(container, south),
        )
        assert north_conversation.client_id != south_conversation.client_id
        assert north_conversation.status is ConversationStatus.WAITING_HUMAN and south_conversation.status is ConversationStatus.BOT
        assert {m.text for m in north_history}.isdisjoint({m.text for m in south_history})
    finally:
        await container.close()


@pytest.mark.parametrize(
    ("phone", "text", "route"),
    [
        ("5511922200001", "bom dia!", Route.SMALLTALK),
        ("5511922200002", "como funciona a aula experimental?", Route.FAQ),
        ("5511922200003", "quero marcar uma aula experimental de muay thai", Route.BOOKING),
        ("5511922200004", "quero falar com um atendente", Route.ESCALATE),
    ],
)
async def test_routes(container, phone, text, route):
    member = _member(container, phone)
    assert (await member.say(text)).route is route
