"""A turn that PostgreSQL aborts for a concurrent transaction is run again from the start.

The CI run of tests/e2e/test_webhook_race.py logged `turn.failed` three times: the turn's
`finish_turn` (UPDATE conversations, after it marked the member's messages processed) deadlocked
with a webhook batch that held the conversation's row and waited for one of those messages (the
same message id sent for another member). The batch was retried; the turn was dropped, and the
member's reply waited for the lease to run out (30 s in production). Here the fake conversations
deadlock the same way, and the worker's round still answers the member, once."""

import datetime as dt
from collections.abc import AsyncIterator

import attrs
from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from structlog.testing import capture_logs

from application.claim_due_conversations import ClaimDueConversations
from application.deliver_outbox import DeliverOutbox
from application.errors import TransactionConflict
from application.gateway import Gateways
from application.handle_turn import HandleTurn
from application.inbox import BufferPolicy, InboundMessage
from application.receive_message import ReceiveMessage
from domain.channel import Channel, ChannelKind
from domain.message import MessageStatus
from domain.phone import Phone
from domain.route import Route
from domain.tenant import Tenant
from entrypoints.requests import CONFLICT_ATTEMPTS
from entrypoints.settings import Settings
from entrypoints.worker import work_once
from tests.unit.fakes import FakeClock, FakeConversations, FakeGateway, FakeUnitOfWork, ScriptedEngine, handle_turn

PHONE = Phone("5511955550000")


@attrs.define
class DeadlockingConversations(FakeConversations):
    """The next `deadlocks` turns are aborted at `finish_turn`, as PostgreSQL aborts the victim."""

    deadlocks: int = 0

    async def finish_turn(self, tenant_id, conversation_id, version) -> bool:
        if self.deadlocks:
            self.deadlocks -= 1
            raise TransactionConflict("DeadlockDetectedError: deadlock detected")
        return await super().finish_turn(tenant_id, conversation_id, version)


class FakeWorld(Provider):
    """What the worker's rounds get from the container, over the fakes. Every request scope shares
    the one fake database, and closing the scope rolls back what was not committed, as closing
    the real session does."""

    def __init__(self, uow: FakeUnitOfWork, clock: FakeClock, engine: ScriptedEngine, gateway: FakeGateway) -> None:
        super().__init__(scope=Scope.REQUEST)
        self.uow, self.clock, self.engine, self.gateway = uow, clock, engine, gateway

    @provide
    async def unit_of_work(self) -> AsyncIterator[FakeUnitOfWork]:
        yield self.uow
        await self.uow.rollback()

    @provide
    def turn(self, uow: FakeUnitOfWork) -> HandleTurn:
        return handle_turn(uow, self.clock, self.engine)

    @provide
    def claim(self, uow: FakeUnitOfWork) -> ClaimDueConversations:
        return ClaimDueConversations(uow, self.clock, lease=dt.timedelta(seconds=30))

    @provide(scope=Scope.APP)
    def gateways(self) -> Gateways:
        return Gateways(self.gateway)

    @provide
    def deliver(self, uow: FakeUnitOfWork, gateways: Gateways) -> DeliverOutbox:
        return DeliverOutbox(uow, gateways, self.clock, lease=dt.timedelta(seconds=30))

    @provide(scope=Scope.APP)
    def settings(self) -> Settings:
        return Settings()


async def _world(deadlocks: int) -> tuple[FakeUnitOfWork, ScriptedEngine, FakeGateway, AsyncContainer]:
    """A member's message, due for its turn; the turn will deadlock `deadlocks` times."""
    conversations = DeadlockingConversations()
    uow, clock = FakeUnitOfWork(conversations=conversations), FakeClock()
    tenant = Tenant(slug="ct", name="CT")
    uow.tenants.add(tenant)
    uow.channels.add(Channel(tenant_id=tenant.id, kind="evolution", name="wa"))
    policy = BufferPolicy(window=dt.timedelta(0), max_wait=dt.timedelta(0))
    message = InboundMessage(channel="wa", sender=PHONE, text="oi", channel_message_id="m1")
    await ReceiveMessage(uow.inbox, uow.channels, clock, policy).execute(message)
    conversations.deadlocks = deadlocks
    engine, gateway = ScriptedEngine(Route.SMALLTALK), FakeGateway(kind=ChannelKind.EVOLUTION)
    return uow, engine, gateway, make_async_container(FakeWorld(uow, clock, engine, gateway))


def _events(logs: list[dict], name: str) -> list[dict]:
    return [entry for entry in logs if entry["event"] == name]


async def test_a_deadlocked_turn_is_run_again_and_the_member_answered_once():
    uow, engine, gateway, container = await _world(deadlocks=2)
    with capture_logs() as logs:
        assert await work_once(container)
    assert _events(logs, "turn.failed") == []
    assert [entry["attempt"] for entry in _events(logs, "database.conflict_retried")] == [1, 2]
    assert len(engine.seen) == 3, "decided again each time: the aborted turn left nothing behind"
    assert [recipient for recipient, _ in gateway.sent] == [str(PHONE)]
    assert [m.status for m in uow.messages.items if m.author == "member"] == [MessageStatus.PROCESSED]
    assert all(buffer.due_at is None for buffer in uow.conversations.buffers.values())
    await container.close()


async def test_a_turn_that_keeps_deadlocking_fails_leaving_the_conversation_due():
    uow, engine, gateway, container = await _world(deadlocks=CONFLICT_ATTEMPTS)
    with capture_logs() as logs:
        await work_once(container)
    assert len(_events(logs, "turn.failed")) == 1
    assert len(engine.seen) == CONFLICT_ATTEMPTS
    assert gateway.sent == [] and uow.outbox.items == []
    assert [m.status for m in uow.messages.items if m.author == "member"] == [MessageStatus.RECEIVED]
    assert all(buffer.due_at is not None for buffer in uow.conversations.buffers.values()), "the lease brings it back"
    await container.close()
