import datetime as dt
import uuid

import attrs


@attrs.define(slots=False, kw_only=True)
class OutboxEntry:
    """A reply waiting to be delivered; written in the same transaction as the turn that decided it."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    message_id: uuid.UUID
    recipient: str  # the address the gateway sends to (a phone number)
    attempts: int = 0
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None = None
    last_error: str | None = None

    def record_failure(self, error: str, now: dt.datetime, retry_in: dt.timedelta | None) -> None:
        """`retry_in=None` gives up: the entry stays undelivered and is not tried again."""
        self.attempts += 1
        self.last_error = error
        self.next_attempt_at = now + retry_in if retry_in is not None else dt.datetime.max.replace(tzinfo=dt.UTC)

    def record_delivery(self, now: dt.datetime) -> None:
        self.attempts += 1
        self.delivered_at = now
        self.last_error = None
