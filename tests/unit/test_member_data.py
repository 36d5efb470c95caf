"""Members' data rights (LGPD) against the in-memory fakes: erasure requests, export, erase, retention."""

import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.apply_retention import ApplyRetention
from application.erase_member_data import EraseMemberData
from application.errors import UnknownTenant
from application.export_member_data import ExportMemberData
from application.handle_turn import HandleTurn
from application.inbox import BufferPolicy, InboundMessage
from application.list_erasure_requests import ListErasureRequests
from application.receive_message import ReceiveMessage
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation, ConversationStatus, StatusChange
from domain.erasure import ERASURE_DEADLINE, Erasure, ErasureRequest, asks_for_erasure
from domain.escalation import Escalation, EscalationReason
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import OutboxEntry
from domain.phone import Phone
from domain.route import Route
from domain.tenant import Tenant
from domain.trial_class import TrialClass
from tests.unit.fakes import FakeClock, FakeUnitOfWork, ScriptedEngine, handle_turn

NOW = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    [
        "apagar meus dados",
        "Quero EXCLUIR meus dados",
        "podem excluir os meus dados, por favor?",
        "quero que deletem meus dados pessoais",
        "remova todas as minhas informações",
        "apague meu cadastro",
        "esqueçam meus dados",
    ],
)
def test_a_request_to_erase_is_recognised(text):
    assert asks_for_erasure(text)


@pytest.mark.parametrize(
    "text", ["quanto custa o plano?", "meus dados estão certos?", "quero atualizar meus dados", "apaguei a mensagem sem querer"]
)
def test_other_words_are_not_a_request(text):
    assert not asks_for_erasure(text)


def test_an_audit_row_counts_rows_and_a_request_has_a_legal_instant():
    with pytest.raises(ValueError, match="counts rows"):
        Erasure(tenant_id=uuid.uuid4(), cause="test", at=NOW, messages=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        ErasureRequest(tenant_id=uuid.uuid4(), client_id=None, requested_at=NOW.replace(tzinfo=None))


def _world() -> tuple[FakeUnitOfWork, Tenant, Tenant, Channel]:
    uow = FakeUnitOfWork()
    tenant, other = Tenant(slug="ct", name="CT Teste"), Tenant(slug="ct-outro", name="CT Outro")
    uow.tenants.add(tenant)
    uow.tenants.add(other)
    channel = Channel(tenant_id=tenant.id, kind="cli", name="cli:ct")
    uow.channels.add(channel)
    uow.channels.add(Channel(tenant_id=other.id, kind="cli", name="cli:ct-outro"))
    return uow, tenant, other, channel


def _member(uow: FakeUnitOfWork, tenant: Tenant, phone: str, at: dt.datetime, messages: int = 2) -> Client:
    """A member with a conversation of `messages` messages (the last a reply still in the outbox),
    an escalation, a status change and a booked trial class."""
    channel = next(c for c in uow.channels.items if c.tenant_id == tenant.id)
    client = Client(tenant_id=tenant.id, phone=Phone(phone))
    conversation = Conversation(tenant_id=tenant.id, client_id=client.id, created_at=at)
    uow.clients.add(client)
    uow.conversations.add(conversation)
    for n in range(messages):
        message = Message(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            direction=Direction.OUTBOUND if n % 2 else Direction.INBOUND,
            author=Author.BOT if n % 2 else Author.MEMBER,
            text=f"mensagem {n} de {phone}",
            status=MessageStatus.PENDING if n % 2 else MessageStatus.PROCESSED,
            created_at=at + dt.timedelta(minutes=n),
        )
        uow.messages.add(message)
        if n % 2:
            uow.outbox.add(OutboxEntry(tenant_id=tenant.id, message_id=message.id, recipient=phone, next_attempt_at=at))
    uow.escalations.add(
        Escalation(tenant_id=tenant.id, conversation_id=conversation.id, reason=EscalationReason.HUMAN_REQUESTED, created_at=at)
    )
    uow.status_changes.add(
        StatusChange(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            before=ConversationStatus.BOT,
            after=ConversationStatus.WAITING_HUMAN,
            cause="escalated",
            at=at,
        )
    )
    uow.trial_classes.add(
        TrialClass(
            tenant_id=tenant.id, client_id=client.id, conversation_id=conversation.id, modality="Jiu-Jitsu", starts_at=at, created_at=at
        )
    )
    return client


def _turn(uow: FakeUnitOfWork, clock: FakeClock, engine: ScriptedEngine) -> HandleTurn:
    return handle_turn(uow, clock, engine)


class TestErasureRequest:
    async def _say(self, uow, clock, engine, text: str, message_id: str):
        inbound = InboundMessage(channel="cli:ct", sender=Phone("5511987654321"), text=text, channel_message_id=message_id)
        received = await ReceiveMessage(uow.inbox, uow.channels, clock, BufferPolicy()).execute(inbound)
        return await _turn(uow, clock, engine).execute(received.tenant_id, received.conversation_id)

    async def test_is_recorded_and_confirmed_with_the_deadline_before_any_engine_decides(self):
        uow, *_ = _world()
        clock, engine = FakeClock(NOW), ScriptedEngine(Route.FAQ)
        result = await self._say(uow, clock, engine, "oi, quero apagar meus dados", "1")
        assert result.route is Route.ERASURE_REQUEST
        assert "Registramos o seu pedido" in result.reply and "17/03/2026" in result.reply
        [request] = uow.erasure_requests.items
        assert request.pending and request.deadline == NOW + ERASURE_DEADLINE and uow.committed
        assert engine.seen == []  # recorded by rules: no engine asked

    async def test_asking_again_while_pending_is_the_same_request(self):
        uow, *_ = _world()
        clock, engine = FakeClock(NOW), ScriptedEngine(Route.FAQ)
        await self._say(uow, clock, engine, "apagar meus dados", "1")
        clock.current = NOW + dt.timedelta(days=2)
        again = await self._say(uow, clock, engine, "excluir meus dados!!", "2")
        assert len(uow.erasure_requests.items) == 1 and "17/03/2026" in again.reply

    async def test_is_listed_for_staff_until_erased(self):
        uow, *_ = _world()
        clock = FakeClock(NOW)
        await self._say(uow, clock, ScriptedEngine(), "apagar meus dados", "1")
        [pending] = await ListErasureRequests(uow).execute("ct")
        assert pending.phone == Phone("5511987654321") and pending.fulfilled_at is None and pending.deadline == NOW + ERASURE_DEADLINE
        erasure = await EraseMemberData(uow, clock).execute("ct", Phone("5511987654321"), "test")
        [done] = await ListErasureRequests(uow).execute(None)
        assert erasure.requests == 1 and done.phone is None and done.fulfilled_at == NOW


class TestExportMemberData:
    async def test_holds_the_members_data_and_nobody_elses(self):
        uow, tenant, other, _ = _world()
        _member(uow, tenant, "5511911110001", NOW)
        _member(uow, tenant, "5511911110002", NOW)
        _member(uow, other, "5511911110001", NOW)
        [record] = await ExportMemberData(uow).execute("ct", Phone("5511911110001"))
        [conversation] = record.conversations
        assert [m.text for m in conversation.messages] == ["mensagem 0 de 5511911110001", "mensagem 1 de 5511911110001"]
        assert {m.tenant_id for m in conversation.messages} == {tenant.id}
        assert len(conversation.escalations) == len(conversation.status_changes) == len(record.trial_classes) == 1

    async def test_an_unknown_member_has_nothing_and_an_unknown_tenant_is_an_error(self):
        uow, *_ = _world()
        assert await ExportMemberData(uow).execute("ct", Phone("5511911110009")) == []
        with pytest.raises(UnknownTenant):
            await ExportMemberData(uow).execute("nope", Phone("5511911110009"))


class TestEraseMemberData:
    async def test_deletes_the_member_keeps_the_seat_and_is_idempotent(self):
        uow, tenant, _, _ = _world()
        _member(uow, tenant, "5511911110001", NOW)
        erase = EraseMemberData(uow, FakeClock(NOW))
        first = await erase.execute("ct", Phone("5511911110001"), "test")
        assert (first.clients, first.conversations, first.messages, first.outbox, first.escalations, first.status_changes) == (
            1,
            1,
            2,
            1,
            1,
            1,
        )
        assert first.trial_classes == 1 and uow.committed
        assert uow.clients.items == uow.messages.items == uow.outbox.items == uow.escalations.items == []
        [seat] = uow.trial_classes.items
        assert (seat.client_id, seat.conversation_id) == (None, None)
        assert await uow.trial_classes.seats_taken(tenant.id, "Jiu-Jitsu", NOW) == 1
        again = await erase.execute("ct", Phone("5511911110001"), "test")
        assert (again.clients, again.messages, again.trial_classes) == (0, 0, 0)
        assert uow.erasures.items == [first, again]

    async def test_finds_the_member_under_the_other_ninth_digit_form(self):
        uow, tenant, _, _ = _world()
        _member(uow, tenant, "553188887777", NOW)
        erasure = await EraseMemberData(uow, FakeClock(NOW)).execute("ct", Phone("5531988887777"), "test")
        assert erasure.clients == 1 and uow.clients.items == []

    @settings(max_examples=40, deadline=None)
    @given(members=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=6), chosen=st.integers(min_value=0))
    async def test_erasing_one_member_never_touches_another(self, members, chosen):
        uow, tenant, other, _ = _world()
        phones = [f"55119111100{n:02d}" for n in range(len(members))]
        for phone, messages in zip(phones, members, strict=True):
            _member(uow, tenant, phone, NOW, messages)
            _member(uow, other, phone, NOW, messages)  # the same person at another center
        erased = phones[chosen % len(phones)]
        before = {name: [i for i in store.items if not _of(uow, i, tenant, erased)] for name, store in uow._stores().items()}
        await EraseMemberData(uow, FakeClock(NOW)).execute("ct", Phone(erased), "test")
        for name, store in uow._stores().items():
            kept = [i for i in store.items if name != "trial_classes" or i.client_id is not None]
            if name != "erasures":
                assert kept == before[name], name
        assert len(uow.trial_classes.items) == 2 * len(phones)


def _of(uow: FakeUnitOfWork, item: object, tenant: Tenant, phone: str) -> bool:
    """Whether `item` is the data of the member `phone` at `tenant`."""
    client = next((c for c in uow.clients.items if c.tenant_id == tenant.id and c.phone == Phone(phone)), None)
    if client is None or getattr(item, "tenant_id", None) != tenant.id:
        return False
    theirs = {c.id for c in uow.conversations.items if c.client_id == client.id}
    messages = {m.id for m in uow.messages.items if m.conversation_id in theirs}
    return (
        getattr(item, "id", None) in {client.id, *theirs}
        or getattr(item, "client_id", None) == client.id
        or getattr(item, "conversation_id", None) in theirs
        or getattr(item, "message_id", None) in messages
    )


class TestApplyRetention:
    async def test_deletes_only_conversations_inactive_for_longer_than_kept(self):
        uow, tenant, other, _ = _world()
        old = _member(uow, tenant, "5511911110001", NOW - dt.timedelta(days=40))
        recent = _member(uow, other, "5511911110002", NOW - dt.timedelta(days=10))
        [erasure] = await ApplyRetention(uow, FakeClock(NOW), dt.timedelta(days=30)).execute()
        assert (erasure.tenant_id, erasure.cause, erasure.conversations, erasure.messages, erasure.outbox) == (
            tenant.id,
            "retention",
            1,
            2,
            1,
        )
        assert [c.client_id for c in uow.conversations.items] == [recent.id]
        assert {m.tenant_id for m in uow.messages.items} == {other.id}
        # The member stays (their trial limit too), and the class keeps its seat, without the conversation.
        assert old in uow.clients.items
        assert [(t.client_id, t.conversation_id is None) for t in uow.trial_classes.items if t.tenant_id == tenant.id] == [(old.id, True)]
        assert await ApplyRetention(uow, FakeClock(NOW), dt.timedelta(days=30)).execute() == []
