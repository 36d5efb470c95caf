import datetime as dt

import attrs
import structlog

from application.clock import Clock
from application.gateway import DeliveryFailed, MessageGateway
from application.unit_of_work import UnitOfWork
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
        return min(self.first_delay * 2 ** (attempts - 1), self.max_delay)


@attrs.define
class DeliverOutbox:
    """Sends the replies that are due. A failure is recorded on the entry and retried later when it
    may help; the reply itself is never lost."""

    uow: UnitOfWork
    gateway: MessageGateway
    clock: Clock
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    batch: int = 50

    async def execute(self, channel_kind: str) -> int:
        """Delivers what is due on channels of `channel_kind`; returns how many messages went out.
        Each delivery commits on its own: a crash can then repeat at most the one message whose
        send had not been recorded yet, never a whole batch."""
        delivered = 0
        for _ in range(self.batch):
            due = await self.uow.outbox.due(self.clock.now(), 1, channel_kind)
            if not due:
                break
            delivered += await self._deliver(due[0])
            await self.uow.commit()
        return delivered

    async def _deliver(self, entry: OutboxEntry) -> bool:
        message = await self.uow.messages.get(entry.tenant_id, entry.message_id)
        channel = await self.uow.channels.get(message.channel_id) if message else None
        if message is None or channel is None:
            entry.record_failure("message or channel is gone", self.clock.now(), retry_in=None)
            return False
        try:
            channel_message_id = await self.gateway.send(channel, entry.recipient, message.text)
        except DeliveryFailed as failure:
            retry_in = self.retry.delay_after(entry.attempts + 1) if failure.retryable else None
            entry.record_failure(str(failure), self.clock.now(), retry_in)
            if retry_in is None:
                message.mark_failed()
            log.warning("outbox.failed", entry=str(entry.id), reason=str(failure), retry_in=str(retry_in))
            return False
        entry.record_delivery(self.clock.now())
        message.mark_sent(channel_message_id)
        return True
