import datetime as dt

import attrs
import structlog

from application.clock import Clock
from application.gateway import DeliveryFailed, Gateways, MessageGateway
from application.unit_of_work import UnitOfWork
from domain.channel import Channel
from domain.message import Message
from domain.outbox import OutboxEntry

log = structlog.get_logger(__name__)


@attrs.frozen
class RetryPolicy:
    max_attempts: int = 8
    first_delay: dt.timedelta = dt.timedelta(seconds=2)
    max_delay: dt.timedelta = dt.timedelta(minutes=5)

    def delay_after(self, attempts: int) -> dt.timedelta | None:
        """Exponential backoff; None once the attempts are spent."""
        if attempts >= self.max_attempts:
            return None
        delay: dt.timedelta = self.first_delay * 2 ** (attempts - 1)
        return min(delay, self.max_delay)


@attrs.define
class DeliverOutbox:
    """Sends the replies that are due, each exactly once as far as the gateway can tell.

    Every attempt is committed as started before the send leaves, and its outcome after. An attempt
    found started but never finished (the process died mid-send, or the gateway timed out) is looked
    up at the gateway before the reply is sent again. `lease` must be longer than a send can take:
    until it runs out the entry is left to the worker that started it.

    Each reply leaves through the gateway of its channel's kind. A disabled channel sends
    nothing: its due replies are given up (marked failed, counted by /health as given up), not
    kept for the day it is enabled again, when they would reach members hours or days late."""

    uow: UnitOfWork
    gateways: Gateways
    clock: Clock
    lease: dt.timedelta
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    batch: int = 50

    async def execute(self, channel_kind: str) -> int:
        """Delivers what is due on channels of `channel_kind`; returns how many messages went out."""
        delivered = 0
        for _ in range(self.batch):
            due = await self.uow.outbox.due(self.clock.now(), 1, channel_kind)
            if not due:
                break
            entry = due[0]
            unfinished = entry.outcome_unknown
            entry.begin_attempt(self.clock.now(), self.lease)
            await self.uow.commit()
            delivered += await self._deliver(entry, unfinished)
            await self.uow.commit()
        return delivered

    async def _deliver(self, entry: OutboxEntry, unfinished: bool) -> bool:
        message = await self.uow.messages.get(entry.tenant_id, entry.message_id)
        channel = await self.uow.channels.get(message.channel_id) if message else None
        if message is None or channel is None:
            entry.record_failure("message or channel is gone", self.clock.now(), retry_in=None)
            return False
        try:
            gateway = self.gateways.for_channel(channel)
            found = await self._already_sent(entry, gateway, channel, message) if unfinished else None
            # The lookup settled the earlier attempt: only this send's own outcome is open now.
            unfinished = False
            if found:
                log.info("outbox.found_sent", entry=str(entry.id), channel_message_id=found)
            elif not channel.enabled:  # an earlier attempt's send is still looked up, nothing new leaves
                raise DeliveryFailed(f"channel {channel.name} is disabled", retryable=False)
            channel_message_id = found or await gateway.send(channel, entry.recipient, message.text)
        except DeliveryFailed as failure:
            retry_in = self.retry.delay_after(entry.attempts + 1) if failure.retryable else None
            entry.record_failure(str(failure), self.clock.now(), retry_in, maybe_sent=failure.maybe_sent or unfinished)
            if retry_in is None:
                message.mark_failed()
            log.warning("outbox.failed", entry=str(entry.id), reason=str(failure), retry_in=str(retry_in))
            return False
        entry.record_delivery(self.clock.now())
        message.mark_sent(channel_message_id)
        return True

    async def _already_sent(self, entry: OutboxEntry, gateway: MessageGateway, channel: Channel, message: Message) -> str | None:
        """The id of this reply at the gateway, if an unfinished attempt did send it. Ids that
        already belong to another of our messages are someone else's send of the same text."""
        if message.channel_message_id is not None:  # its echo came back (`RecordOwnMessage`)
            return message.channel_message_id
        since = entry.attempt_started_at or self.clock.now()
        for candidate in await gateway.find_sent(channel, entry.recipient, message.text, since):
            if await self.uow.messages.by_channel_message_id(channel.id, candidate) is None:
                return candidate
        return None
