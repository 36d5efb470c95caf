import datetime as dt
import uuid

import pytest

from application.deliver_outbox import DeliverOutbox, RetryPolicy
from application.errors import UnknownChannel
from application.gateway import DeliveryFailed, Gateways
from application.handle_turn import HandleTurn
from application.inbox import BufferPolicy, InboundMessage
from application.ingest_knowledge import IngestKnowledge, cli_channel_name
from application.receive_message import ReceiveMessage
from application.record_own_message import OwnMessage, OwnMessageOutcome, RecordOwnMessage
from application.report_backlog import ReportBacklog
from application.resume_conversation import ResumeConversation
from application.tenant_packs import TenantPack
from domain.channel import Channel, ChannelKind
from domain.conversation import ConversationStatus
from domain.escalation import EscalationReason
from domain.knowledge import Chunk
from domain.message import Direction, MessageStatus
from domain.outbox import NEVER
from domain.phone import Phone
from domain.route import Route
from domain.tenant import FrontDeskSettings, OpeningHours, Tenant
from tests.unit.fakes import FakeClock, FakeGateway, FakeIndex, FakeUnitOfWork, ScriptedEngine, handle_turn

PHONE = Phone("5511987654321")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    tenant = Tenant(slug="ct", name="CT Teste", human_contact="(11) 5555-0000")
    uow.tenants.add(tenant)
    uow.channels.add(Channel(tenant_id=tenant.id, kind="cli", name="cli:ct"))
    return uow


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def index() -> FakeIndex:
    return FakeIndex({"ct": [Chunk(tenant="ct", source="a.md", heading="Plano mensal", text="o plano mensal custa R$ 189")]})


def _turn(uow, clock, engine, index) -> HandleTurn:
    return handle_turn(uow, clock, engine, index)


async def _receive(uow, clock, text: str, message_id: str = "m1"):
    inbound = InboundMessage(channel="cli:ct", sender=PHONE, text=text, channel_message_id=message_id)
    return await ReceiveMessage(uow.inbox, uow.channels, clock, BufferPolicy()).execute(inbound)


class TestReceiveMessage:
    async def test_stores_client_conversation_and_message(self, uow, clock):
        received = await _receive(uow, clock, "oi")
        assert received.stored and uow.committed
        assert [m.text for m in uow.messages.items] == ["oi"]
        assert uow.clients.items[0].phone == PHONE

    async def test_duplicate_delivery_is_stored_once(self, uow, clock):
        first = await _receive(uow, clock, "oi", "same")
        second = await _receive(uow, clock, "oi", "same")
        assert (first.stored, second.stored) == (True, False)
        assert len(uow.messages.items) == 1 and len(uow.conversations.items) == 1

    async def test_unknown_channel_is_an_error(self, uow, clock):
        with pytest.raises(Exception, match="no channel"):
            await ReceiveMessage(uow.inbox, uow.channels, clock, BufferPolicy()).execute(
                InboundMessage(channel="nope", sender=PHONE, text="oi", channel_message_id="x")
            )

    async def test_a_disabled_channel_takes_nothing(self, uow, clock):
        uow.channels.items[0].disable()
        with pytest.raises(UnknownChannel, match="disabled"):
            await _receive(uow, clock, "oi")
        assert uow.messages.items == []


class TestHandleTurn:
    async def test_faq_answers_from_the_index_and_queues_the_reply(self, uow, clock, index):
        received = await _receive(uow, clock, "quanto custa o plano mensal")
        result = await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        assert result.route is Route.FAQ and "R$ 189" in result.reply
        [inbound, reply] = uow.messages.items
        assert inbound.status is MessageStatus.PROCESSED and inbound.route is Route.FAQ
        assert reply.direction is Direction.OUTBOUND and reply.status is MessageStatus.PENDING
        assert uow.outbox.items[0].message_id == reply.id and uow.outbox.items[0].recipient == PHONE.digits

    async def test_no_answer_says_so_and_offers_a_person(self, uow, clock, index):
        received = await _receive(uow, clock, "qual a capital da frança")
        result = await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        assert "Não encontrei" in result.reply
        assert uow.conversations.items[0].flow.offered_human

    async def test_a_yes_to_the_offer_of_a_person_escalates(self, uow, clock, index):
        received = await _receive(uow, clock, "qual a capital da frança", "1")
        await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        await _receive(uow, clock, "sim", "2")
        result = await _turn(uow, clock, ScriptedEngine(Route.SMALLTALK, agrees=True), index).execute(
            received.tenant_id, received.conversation_id
        )
        assert result.route is Route.ESCALATE and len(uow.escalations.items) == 1

    async def test_a_yes_without_an_offer_or_after_another_turn_escalates_nothing(self, uow, clock, index):
        received = await _receive(uow, clock, "sim", "1")
        result = await _turn(uow, clock, ScriptedEngine(Route.SMALLTALK, agrees=True), index).execute(
            received.tenant_id, received.conversation_id
        )
        assert result.route is Route.SMALLTALK
        await _receive(uow, clock, "qual a capital da frança", "2")
        await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        await _receive(uow, clock, "quanto custa o plano mensal?", "3")
        await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        await _receive(uow, clock, "sim", "4")
        result = await _turn(uow, clock, ScriptedEngine(Route.SMALLTALK, agrees=True), index).execute(
            received.tenant_id, received.conversation_id
        )
        assert result.route is Route.SMALLTALK and uow.escalations.items == []

    async def test_a_burst_is_one_turn(self, uow, clock, index):
        engine = ScriptedEngine(Route.FAQ)
        await _receive(uow, clock, "oi", "a")
        received = await _receive(uow, clock, "quanto custa o plano mensal", "b")
        result = await _turn(uow, clock, engine, index).execute(received.tenant_id, received.conversation_id)
        assert result.handled == 2 and engine.seen[0].text == "oi\nquanto custa o plano mensal"
        assert len(uow.outbox.items) == 1

    async def test_escalation_records_why_and_pauses_the_bot(self, uow, clock, index):
        received = await _receive(uow, clock, "quanto custa o personal?")
        engine = ScriptedEngine(Route.ESCALATE, paid_service="Personal trainer")
        result = await _turn(uow, clock, engine, index).execute(received.tenant_id, received.conversation_id)
        [escalation] = uow.escalations.items
        assert (escalation.reason, escalation.subject) == (EscalationReason.PAID_SERVICE, "Personal trainer")
        assert "Personal trainer" in result.reply and "(11) 5555-0000" in result.reply
        assert uow.conversations.items[0].status is ConversationStatus.WAITING_HUMAN
        [change] = uow.status_changes.items
        assert (change.before, change.after, change.cause) == (
            ConversationStatus.BOT,
            ConversationStatus.WAITING_HUMAN,
            "escalated: Personal trainer",
        )

    async def test_paused_conversation_gets_no_reply(self, uow, clock, index):
        received = await _receive(uow, clock, "quero falar com alguém", "a")
        turn = _turn(uow, clock, ScriptedEngine(Route.ESCALATE, human_requested=True), index)
        await turn.execute(received.tenant_id, received.conversation_id)
        await _receive(uow, clock, "oi?", "b")
        result = await turn.execute(received.tenant_id, received.conversation_id)
        assert (result.route, result.reply) == (Route.PAUSED, None)
        assert len(uow.outbox.items) == 1

    async def test_the_bot_comes_back_after_the_pause(self, uow, clock, index):
        received = await _receive(uow, clock, "atendente", "a")
        await _turn(uow, clock, ScriptedEngine(Route.ESCALATE, human_requested=True), index).execute(
            received.tenant_id, received.conversation_id
        )
        clock.current += dt.timedelta(hours=12)
        await _receive(uow, clock, "oi", "b")
        result = await _turn(uow, clock, ScriptedEngine(Route.SMALLTALK), index).execute(received.tenant_id, received.conversation_id)
        assert result.route is Route.SMALLTALK
        assert uow.status_changes.items[-1].cause == "pause ran out"

    async def test_booking_starts_the_interview(self, uow, clock, index):
        received = await _receive(uow, clock, "quero marcar uma aula experimental")
        result = await _turn(uow, clock, ScriptedEngine(Route.BOOKING), index).execute(received.tenant_id, received.conversation_id)
        assert result.route is Route.BOOKING and "modalidade" in result.reply
        assert uow.trial_classes.items == []

    async def test_history_reaches_the_engine(self, uow, clock, index):
        engine = ScriptedEngine(Route.SMALLTALK)
        received = await _receive(uow, clock, "oi", "a")
        await _turn(uow, clock, engine, index).execute(received.tenant_id, received.conversation_id)
        await _receive(uow, clock, "tudo bem?", "b")
        await _turn(uow, clock, engine, index).execute(received.tenant_id, received.conversation_id)
        assert [m.text for m in engine.seen[1].history] == ["oi", "Olá!"]

    async def test_nothing_waiting_is_no_turn(self, uow, clock, index):
        received = await _receive(uow, clock, "oi")
        turn = _turn(uow, clock, ScriptedEngine(Route.SMALLTALK), index)
        await turn.execute(received.tenant_id, received.conversation_id)
        assert await turn.execute(received.tenant_id, received.conversation_id) is None


LEASE = dt.timedelta(seconds=30)


class TestFrontDesk:
    """A center's `front_desk:` settings where the deployment's apply otherwise."""

    def _center(self, uow, **settings) -> None:
        uow.tenants.items[0].front_desk = FrontDeskSettings(**settings)

    async def _escalate(self, uow, clock, index, due_in: dt.timedelta | None = None):
        received = await _receive(uow, clock, "quero falar com alguém")
        if due_in is not None:
            assert uow.conversations.buffers[received.conversation_id].due_at == clock.now() + due_in
        engine = ScriptedEngine(Route.ESCALATE, human_requested=True)
        return await _turn(uow, clock, engine, index).execute(received.tenant_id, received.conversation_id)

    async def test_a_person_asked_for_out_of_hours_is_told_when_staff_are_away(self, uow, clock, index):
        # 13:00 UTC is 10:00 on a Monday in São Paulo.
        self._center(
            uow, business_hours=[OpeningHours(weekday="mon", start=dt.time(14), end=dt.time(22))], out_of_hours_reply="Voltamos às 14h."
        )
        result = await self._escalate(uow, clock, index)
        assert result.route is Route.ESCALATE and result.reply.endswith("\n\nVoltamos às 14h.")

    async def test_within_business_hours_nothing_is_added(self, uow, clock, index):
        self._center(
            uow, business_hours=[OpeningHours(weekday="mon", start=dt.time(6), end=dt.time(22))], out_of_hours_reply="Voltamos às 6h."
        )
        result = await self._escalate(uow, clock, index)
        assert "Voltamos" not in result.reply

    async def test_the_centers_pause_and_buffer_window(self, uow, clock, index):
        self._center(uow, human_pause_hours=2, buffer_window_seconds=3)
        await self._escalate(uow, clock, index, due_in=dt.timedelta(seconds=3))
        assert uow.conversations.items[0].paused_until == clock.now() + dt.timedelta(hours=2)


class TestGateways:
    def test_one_gateway_per_kind(self):
        with pytest.raises(ValueError, match="one gateway per channel kind"):
            Gateways(FakeGateway(), FakeGateway())

    def test_a_kind_without_a_gateway_here_is_a_failure_not_worth_retrying(self):
        gateways = Gateways(FakeGateway())
        assert gateways.kinds == (ChannelKind.CLI,)
        whatsapp = Channel(tenant_id=uuid.uuid4(), kind=ChannelKind.EVOLUTION, name="wa")
        with pytest.raises(DeliveryFailed) as failure:
            gateways.for_channel(whatsapp)
        assert not failure.value.retryable


class TestDeliverOutbox:
    async def _queued(self, uow, clock, index):
        received = await _receive(uow, clock, "quanto custa o plano mensal")
        await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        return uow.outbox.items[0], uow.messages.items[-1]

    def _deliver(self, uow, gateway, clock):
        return DeliverOutbox(uow, Gateways(gateway), clock, LEASE).execute("cli")

    async def test_delivers_and_records_the_channel_id(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        gateway = FakeGateway()
        assert await self._deliver(uow, gateway, clock) == 1
        assert entry.delivered_at == clock.now() and reply.status is MessageStatus.SENT and reply.channel_message_id == "wamid-1"
        assert entry.attempt_started_at is None and gateway.lookups == 0
        assert await self._deliver(uow, gateway, clock) == 0

    async def test_only_its_channel_kind(self, uow, clock, index):
        await self._queued(uow, clock, index)
        assert await DeliverOutbox(uow, Gateways(FakeGateway()), clock, LEASE).execute("evolution") == 0

    async def test_each_reply_leaves_through_its_channel_kinds_gateway(self, uow, clock, index):
        await self._queued(uow, clock, index)
        terminal, whatsapp = FakeGateway(), FakeGateway(kind=ChannelKind.EVOLUTION)
        assert await DeliverOutbox(uow, Gateways(whatsapp, terminal), clock, LEASE).execute("cli") == 1
        assert (len(terminal.sent), whatsapp.sent) == (1, [])

    async def test_a_disabled_channel_sends_nothing_and_gives_its_replies_up(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        uow.channels.items[0].disable()
        gateway = FakeGateway()
        assert await self._deliver(uow, gateway, clock) == 0
        assert gateway.sent == [] and reply.status is MessageStatus.FAILED and entry.next_attempt_at == NEVER
        assert "disabled" in (entry.last_error or "")

    async def test_retries_a_retryable_failure_later(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        gateway = FakeGateway(failures=[DeliveryFailed("429", retryable=True)])
        assert await self._deliver(uow, gateway, clock) == 0
        assert entry.attempts == 1 and entry.next_attempt_at > clock.now() and reply.status is MessageStatus.PENDING
        clock.current = entry.next_attempt_at
        assert await self._deliver(uow, gateway, clock) == 1
        assert gateway.lookups == 0, "a send refused outright needs no lookup"

    async def test_gives_up_on_a_permanent_failure(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        gateway = FakeGateway(failures=[DeliveryFailed("400 exists:false", retryable=False)])
        await self._deliver(uow, gateway, clock)
        assert reply.status is MessageStatus.FAILED and entry.last_error == "400 exists:false"

    async def test_the_attempt_is_committed_before_the_send(self, uow, clock, index):
        entry, _ = await self._queued(uow, clock, index)
        committed_before_send = []

        class Watching(FakeGateway):
            async def send(self, channel, recipient, text):
                committed_before_send.append(uow.committed_copy(entry).attempt_started_at)
                return await super().send(channel, recipient, text)

        await self._deliver(uow, Watching(), clock)
        assert committed_before_send == [clock.now()]

    async def test_an_interrupted_send_that_went_out_is_not_sent_again(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        gateway = FakeGateway()
        gateway.sent.append((entry.recipient, reply.text))  # went out; the process died before recording it
        entry.begin_attempt(clock.now(), LEASE)
        assert await self._deliver(uow, gateway, clock) == 0, "the lease is not over yet"
        clock.current += LEASE
        assert await self._deliver(uow, gateway, clock) == 1
        assert len(gateway.sent) == 1 and reply.channel_message_id == "wamid-1" and entry.delivered_at is not None

    async def test_an_interrupted_send_that_did_not_go_out_is_sent(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        gateway = FakeGateway()
        entry.begin_attempt(clock.now() - LEASE, LEASE)
        assert await self._deliver(uow, gateway, clock) == 1
        assert gateway.lookups == 1 and gateway.sent == [(entry.recipient, reply.text)]

    async def test_a_timed_out_send_is_looked_up_before_the_retry(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        gateway = FakeGateway(failures=[DeliveryFailed("ReadTimeout", retryable=True, maybe_sent=True)])
        assert await self._deliver(uow, gateway, clock) == 0
        assert entry.outcome_unknown and reply.status is MessageStatus.PENDING
        clock.current = entry.next_attempt_at
        assert await self._deliver(uow, gateway, clock) == 1
        assert len(gateway.sent) == 1 and gateway.lookups == 1 and reply.channel_message_id == "wamid-1"

    async def test_a_failed_lookup_keeps_the_send_open(self, uow, clock, index):
        entry, _ = await self._queued(uow, clock, index)
        gateway = FakeGateway(lookup_failures=[DeliveryFailed("503", retryable=True)])
        entry.begin_attempt(clock.now() - LEASE, LEASE)
        assert await self._deliver(uow, gateway, clock) == 0
        assert entry.outcome_unknown and gateway.sent == []
        clock.current = entry.next_attempt_at
        assert await self._deliver(uow, gateway, clock) == 1 and gateway.lookups == 2 and len(gateway.sent) == 1

    async def test_the_same_text_sent_for_another_message_does_not_count(self, uow, clock, index):
        first, first_reply = await self._queued(uow, clock, index)
        gateway = FakeGateway()
        assert await self._deliver(uow, gateway, clock) == 1
        received = await _receive(uow, clock, "quanto custa o plano mensal", "m2")
        await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        second = next(e for e in uow.outbox.items if e is not first)
        second_reply = next(m for m in uow.messages.items if m.id == second.message_id)
        assert second_reply.text == first_reply.text
        second.begin_attempt(clock.now() - LEASE, LEASE)
        assert await self._deliver(uow, gateway, clock) == 1
        assert len(gateway.sent) == 2 and second_reply.channel_message_id == "wamid-2"

    async def test_an_echo_that_beat_the_answer_settles_an_interrupted_send(self, uow, clock, index):
        entry, reply = await self._queued(uow, clock, index)
        entry.begin_attempt(clock.now() - LEASE, LEASE)  # the sender died after sending
        echo = OwnMessage(channel="cli:ct", recipient=PHONE, text=reply.text, channel_message_id="wamid-echo", sent_at=clock.now())
        assert await RecordOwnMessage(uow, clock, dt.timedelta(hours=12)).execute(echo) is OwnMessageOutcome.BOT_ECHO
        assert reply.status is MessageStatus.SENT and reply.channel_message_id == "wamid-echo"
        gateway = FakeGateway()
        assert await self._deliver(uow, gateway, clock) == 1
        assert gateway.sent == [] and gateway.lookups == 0 and entry.delivered_at is not None

    def test_backoff_grows_and_stops(self):
        policy = RetryPolicy(max_attempts=3, first_delay=dt.timedelta(seconds=1))
        assert [policy.delay_after(n) for n in (1, 2, 3)] == [dt.timedelta(seconds=1), dt.timedelta(seconds=2), None]


class TestReportBacklog:
    async def test_counts_what_is_late(self, uow, clock, index):
        report = ReportBacklog(uow, clock, grace=dt.timedelta(minutes=1))
        received = await _receive(uow, clock, "quanto custa o plano mensal")
        assert not (await report.execute("cli")).behind, "a burst in its window is not late"
        clock.current += dt.timedelta(minutes=2)
        assert (await report.execute("cli")).bursts_overdue == 1 and (await report.execute("evolution")).bursts_overdue == 0
        await _turn(uow, clock, ScriptedEngine(Route.FAQ), index).execute(received.tenant_id, received.conversation_id)
        backlog = await report.execute("cli")
        assert (backlog.bursts_overdue, backlog.replies_overdue) == (0, 0), "the reply was just decided"
        clock.current += dt.timedelta(minutes=2)
        assert (await report.execute("cli")).replies_overdue == 1
        gateway = FakeGateway(failures=[DeliveryFailed("400 exists:false", retryable=False)])
        await DeliverOutbox(uow, Gateways(gateway), clock, LEASE).execute("cli")
        backlog = await report.execute("cli")
        assert (backlog.replies_overdue, backlog.replies_given_up, backlog.behind) == (0, 1, False)


class _Packs:
    def __init__(self, *packs: TenantPack) -> None:
        self.packs = packs

    def load_all(self):
        return self.packs


class TestIngestKnowledge:
    async def test_creates_tenant_channel_and_index(self):
        uow, index = FakeUnitOfWork(), FakeIndex()
        chunk = Chunk(tenant="novo", source="a.md", heading="H", text="t")
        [result] = await IngestKnowledge(uow, _Packs(TenantPack(tenant=Tenant(slug="novo", name="Novo"), chunks=[chunk])), index).execute()
        assert result.report.indexed == 1 and (await uow.channels.by_name(cli_channel_name("novo"))) is not None
        again = await IngestKnowledge(uow, _Packs(TenantPack(tenant=Tenant(slug="novo", name="Novo 2"), chunks=[chunk])), index).execute()
        assert again[0].report.indexed == 0 and len(uow.tenants.items) == 1 and uow.tenants.items[0].name == "Novo 2"


class TestResumeConversation:
    async def test_hands_back_to_the_bot(self, uow, clock, index):
        received = await _receive(uow, clock, "atendente")
        await _turn(uow, clock, ScriptedEngine(Route.ESCALATE, human_requested=True), index).execute(
            received.tenant_id, received.conversation_id
        )
        assert await ResumeConversation(uow, clock).execute("ct", PHONE)
        assert uow.conversations.items[0].status is ConversationStatus.BOT
        assert [c.cause for c in uow.status_changes.items][-1] == "resumed by staff (tatame resume)"

    async def test_unknown_phone_is_nothing_to_resume(self, uow, clock):
        assert not await ResumeConversation(uow, clock).execute("ct", Phone("5511000000000"))
