"""The burst buffer: one turn per burst, and a turn that a new message overtakes is not sent."""

import datetime as dt

import attrs
from hypothesis import given
from hypothesis import strategies as st

from application.claim_due_conversations import ClaimDueConversations
from application.handle_turn import TURN_TEXT_LIMIT, HandleTurn, burst_text
from application.inbox import BufferPolicy, InboundMessage
from application.receive_message import ReceiveMessage
from application.triage import Triage
from application.turn import TurnInput
from domain.channel import Channel
from domain.message import MAX_TEXT, MessageStatus
from domain.phone import Phone
from domain.route import Route
from domain.tenant import Tenant
from tests.unit.fakes import FakeClock, FakeUnitOfWork, ScriptedEngine, handle_turn

PHONE = Phone("5511955550000")
POLICY = BufferPolicy(window=dt.timedelta(seconds=15), max_wait=dt.timedelta(seconds=60))


def _world():
    uow, clock = FakeUnitOfWork(), FakeClock()
    tenant = Tenant(slug="ct", name="CT")
    uow.tenants.add(tenant)
    uow.channels.add(Channel(tenant_id=tenant.id, kind="evolution", name="wa"))
    return uow, clock


async def _receive(uow, clock, text: str, message_id: str):
    return await ReceiveMessage(uow.inbox, uow.channels, clock, POLICY).execute(
        InboundMessage(channel="wa", sender=PHONE, text=text, channel_message_id=message_id)
    )


def _turn(uow, clock, engine) -> HandleTurn:
    return handle_turn(uow, clock, engine, pause_hours=1)


async def test_due_after_the_quiet_window_but_never_later_than_the_cap():
    uow, clock = _world()
    claim = ClaimDueConversations(uow, clock, lease=dt.timedelta(seconds=30))
    start = clock.current
    await _receive(uow, clock, "oi", "1")
    for second in range(10, 60, 10):  # a message every 10 s keeps the 15 s window open...
        clock.current = start + dt.timedelta(seconds=second)
        assert await claim.execute(10, "evolution") == []
        await _receive(uow, clock, f"msg {second}", str(second))
    clock.current = start + dt.timedelta(seconds=59)
    assert await claim.execute(10, "evolution") == []
    clock.current = start + dt.timedelta(seconds=60)
    assert len(await claim.execute(10, "evolution")) == 1  # ...but 60 s after the first one it is due anyway


async def test_a_claimed_conversation_is_not_claimed_twice_until_the_lease_ends():
    uow, clock = _world()
    claim = ClaimDueConversations(uow, clock, lease=dt.timedelta(seconds=30))
    await _receive(uow, clock, "oi", "1")
    clock.current += dt.timedelta(seconds=16)
    assert len(await claim.execute(10, "evolution")) == 1
    assert await claim.execute(10, "evolution") == []
    clock.current += dt.timedelta(seconds=31)
    assert len(await claim.execute(10, "evolution")) == 1


@attrs.define
class Interrupting(ScriptedEngine):
    """The member writes again while the engine is thinking."""

    uow: FakeUnitOfWork = attrs.field(factory=FakeUnitOfWork)
    clock: FakeClock = attrs.field(factory=FakeClock)

    async def triage(self, turn: TurnInput) -> Triage:
        if not self.seen:
            await _receive(self.uow, self.clock, "e quanto custa?", "late")
        return await super().triage(turn)


async def test_a_message_during_the_turn_makes_one_reply_for_both():
    uow, clock = _world()
    engine = Interrupting(Route.SMALLTALK, uow=uow, clock=clock)
    received = await _receive(uow, clock, "oi", "1")
    turn = _turn(uow, clock, engine)
    assert await turn.execute(received.tenant_id, received.conversation_id) is None
    assert uow.outbox.items == []
    result = await turn.execute(received.tenant_id, received.conversation_id)
    assert result.handled == 2 and engine.seen[-1].text == "oi\ne quanto custa?"
    assert len(uow.outbox.items) == 1


async def test_a_flood_is_one_turn_with_one_reply_and_the_engine_reads_a_bounded_text():
    uow, clock = _world()
    for i in range(300):
        clock.current += dt.timedelta(milliseconds=10)
        received = await _receive(uow, clock, f"mensagem {i} " + "bla " * 500, str(i))
    engine = ScriptedEngine(Route.SMALLTALK)
    result = await _turn(uow, clock, engine).execute(received.tenant_id, received.conversation_id)
    assert result.handled == 300 and len(uow.outbox.items) == 1
    assert all(m.status is MessageStatus.PROCESSED for m in uow.messages.items if m.author == "member")
    assert uow.conversations.buffers[received.conversation_id].due_at is None
    [seen] = engine.seen
    assert len(seen.text) <= TURN_TEXT_LIMIT and seen.text.startswith("mensagem 299 "), "the newest message, from its head"


async def test_one_huge_message_is_read_up_to_the_limit():
    uow, clock = _world()
    received = await _receive(uow, clock, "qual o endereço? " + "x" * 65_000, "1")
    engine = ScriptedEngine(Route.SMALLTALK)
    await _turn(uow, clock, engine).execute(received.tenant_id, received.conversation_id)
    assert len(engine.seen[0].text) == TURN_TEXT_LIMIT and engine.seen[0].text.startswith("qual o endereço?")


def _texts(*texts: str):
    return [type("M", (), {"text": text}) for text in texts]


@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=30), st.integers(1, 2_000))
def test_burst_text_keeps_the_newest_messages_within_the_limit(texts, limit):
    text = burst_text(_texts(*texts), limit)
    assert len(text) <= limit
    if len(texts[-1]) >= limit:
        assert text == texts[-1][:limit]
    else:
        assert text.endswith(texts[-1])
    if sum(len(t) + 1 for t in texts) - 1 <= limit:
        assert text == "\n".join(texts)


async def test_a_burst_waits_while_the_last_reply_is_on_its_way():
    uow, clock = _world()
    claim = ClaimDueConversations(uow, clock, lease=dt.timedelta(seconds=30))
    received = await _receive(uow, clock, "oi", "1")
    await _turn(uow, clock, ScriptedEngine(Route.SMALLTALK)).execute(received.tenant_id, received.conversation_id)
    await _receive(uow, clock, "qual o endereço?", "2")
    clock.current += dt.timedelta(seconds=16)
    assert await claim.execute(10, "evolution") == [], "the first reply is not delivered yet"
    [entry] = uow.outbox.items
    entry.record_failure("refused", clock.now(), retry_in=None)
    assert len(await claim.execute(10, "evolution")) == 1, "a reply given up holds nothing back"


async def test_a_delivered_reply_lets_the_next_burst_be_claimed():
    uow, clock = _world()
    claim = ClaimDueConversations(uow, clock, lease=dt.timedelta(seconds=30))
    received = await _receive(uow, clock, "oi", "1")
    await _turn(uow, clock, ScriptedEngine(Route.SMALLTALK)).execute(received.tenant_id, received.conversation_id)
    uow.outbox.items[0].record_delivery(clock.now())
    await _receive(uow, clock, "qual o endereço?", "2")
    clock.current += dt.timedelta(seconds=16)
    assert len(await claim.execute(10, "evolution")) == 1


async def test_a_worker_claims_only_conversations_waiting_on_its_channel_kind():
    uow, clock = _world()
    claim = ClaimDueConversations(uow, clock, lease=dt.timedelta(seconds=30))
    await _receive(uow, clock, "oi", "1")
    clock.current += dt.timedelta(seconds=16)
    assert await claim.execute(10, "cli") == []
    assert len(await claim.execute(10, "evolution")) == 1


async def test_a_text_longer_than_whatsapp_allows_is_stored_up_to_its_limit():
    uow, clock = _world()
    await _receive(uow, clock, "a" * (MAX_TEXT + 10), "1")
    [stored] = uow.messages.items
    assert stored.text == "a" * MAX_TEXT
