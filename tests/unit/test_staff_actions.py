"""The dashboard's actions on a conversation: scoped by the user's tenant, recorded with the user."""

import datetime as dt
import uuid

import pytest

from application.close_conversation import CloseConversation
from application.errors import UnknownConversation
from application.hand_back_to_bot import HandBackToBot
from application.reply_as_staff import ReplyAsStaff
from application.resolve_escalation import ResolveEscalation
from application.staff_identity import StaffIdentity
from application.take_over_conversation import TakeOverConversation
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation, ConversationStatus
from domain.escalation import Escalation, EscalationReason
from domain.message import Author, Direction, Message, MessageStatus
from domain.phone import Phone
from domain.staff import StaffRole
from domain.tenant import Tenant
from tests.unit.fakes import FakeClock, FakeUnitOfWork

PAUSE = dt.timedelta(hours=12)
TENANT, OTHER = Tenant(slug="arena", name="Arena"), Tenant(slug="dojo", name="Dojo")
STAFF = StaffIdentity(user_id=uuid.uuid4(), tenant_id=TENANT.id, email="ana@arena.com.br", role=StaffRole.STAFF)
INTRUDER = StaffIdentity(user_id=uuid.uuid4(), tenant_id=OTHER.id, email="eve@dojo.com.br", role=StaffRole.ADMIN)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def uow(clock) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.tenants.add(TENANT)
    uow.tenants.add(OTHER)
    return uow


def _escalated(uow: FakeUnitOfWork, clock: FakeClock) -> Conversation:
    channel = Channel(tenant_id=TENANT.id, kind="evolution", name="arena-wa")
    client = Client(tenant_id=TENANT.id, phone=Phone("5511987654321"), name="Bia")
    conversation = Conversation(tenant_id=TENANT.id, client_id=client.id, created_at=clock.now())
    conversation.hand_to_human(clock.now(), PAUSE, "escalated")
    uow.channels.add(channel)
    uow.clients.add(client)
    uow.conversations.add(conversation)
    uow.messages.add(
        Message(
            tenant_id=TENANT.id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            direction=Direction.INBOUND,
            author=Author.MEMBER,
            text="quero falar com alguém",
            status=MessageStatus.PROCESSED,
            created_at=clock.now(),
        )
    )
    uow.escalations.add(
        Escalation(tenant_id=TENANT.id, conversation_id=conversation.id, reason=EscalationReason.HUMAN_REQUESTED, created_at=clock.now())
    )
    return conversation


async def test_a_staff_reply_goes_to_the_outbox_as_a_staff_message_and_takes_over(uow, clock):
    conversation = _escalated(uow, clock)
    reply = await ReplyAsStaff(uow, clock, PAUSE).execute(STAFF, conversation.id, "Oi Bia, aqui é a Ana!")
    assert uow.committed
    assert reply.author is Author.STAFF and reply.status is MessageStatus.PENDING and reply.channel_id == uow.channels.items[0].id
    [entry] = uow.outbox.items
    assert entry.message_id == reply.id and entry.recipient == "5511987654321"
    assert conversation.status is ConversationStatus.HUMAN
    [change] = uow.status_changes.items
    assert change.actor == STAFF.user_id and change.after is ConversationStatus.HUMAN


async def test_take_over_then_hand_back_resolves_the_escalation_and_names_the_user_each_time(uow, clock):
    conversation = _escalated(uow, clock)
    await TakeOverConversation(uow, clock, PAUSE).execute(STAFF, conversation.id)
    assert conversation.status is ConversationStatus.HUMAN and conversation.paused_until == clock.now() + PAUSE
    await TakeOverConversation(uow, clock, PAUSE).execute(STAFF, conversation.id)  # already theirs: still on record
    await HandBackToBot(uow, clock).execute(STAFF, conversation.id)
    assert conversation.status is ConversationStatus.BOT and conversation.paused_until is None
    assert [e.resolved_at for e in uow.escalations.items] == [clock.now()]
    trail = [(c.before, c.after, c.actor) for c in uow.status_changes.items]
    waiting, human, bot = ConversationStatus.WAITING_HUMAN, ConversationStatus.HUMAN, ConversationStatus.BOT
    assert trail == [(waiting, human, STAFF.user_id), (human, human, STAFF.user_id), (human, bot, STAFF.user_id)]


async def test_resolving_the_escalation_stops_the_conversation_waiting(uow, clock):
    conversation = _escalated(uow, clock)
    await ResolveEscalation(uow, clock, PAUSE).execute(STAFF, conversation.id)
    assert conversation.status is ConversationStatus.HUMAN and not uow.escalations.items[0].open
    assert uow.status_changes.items[-1].cause == "escalation resolved from the dashboard"


async def test_closing_ends_the_conversation_once(uow, clock):
    conversation = _escalated(uow, clock)
    await CloseConversation(uow, clock).execute(STAFF, conversation.id)
    await CloseConversation(uow, clock).execute(STAFF, conversation.id)
    assert conversation.status is ConversationStatus.CLOSED and not uow.escalations.items[0].open
    assert [c.after for c in uow.status_changes.items] == [ConversationStatus.CLOSED]


@pytest.mark.parametrize(
    "action",
    [
        lambda uow, clock, id: TakeOverConversation(uow, clock, PAUSE).execute(INTRUDER, id),
        lambda uow, clock, id: ReplyAsStaff(uow, clock, PAUSE).execute(INTRUDER, id, "oi"),
        lambda uow, clock, id: HandBackToBot(uow, clock).execute(INTRUDER, id),
        lambda uow, clock, id: ResolveEscalation(uow, clock, PAUSE).execute(INTRUDER, id),
        lambda uow, clock, id: CloseConversation(uow, clock).execute(INTRUDER, id),
    ],
)
async def test_another_tenants_user_cannot_touch_the_conversation(uow, clock, action):
    conversation = _escalated(uow, clock)
    with pytest.raises(UnknownConversation):
        await action(uow, clock, conversation.id)
    assert conversation.status is ConversationStatus.WAITING_HUMAN and not uow.committed and uow.outbox.items == []
