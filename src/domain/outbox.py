import datetime as dt
import uuid

import attrs

# The next attempt of an entry that was given up.
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)


@attrs.define(slots=False, kw_only=True)
class OutboxEntry:
    """A reply waiting to be delivered; written in the same transaction as the turn that decided it.

    `attempt_started_at` is set, and committed, before a send leaves, and cleared once its outcome
    is known. Found set by the next attempt, it means a send may have gone out without anyone
    recording it (the process died, or the gateway timed out): the gateway is asked before the
    reply is sent again, so a member does not get it twice."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    message_id: uuid.UUID
    recipient: str  # the address the gateway sends to (a phone number)
    attempts: int = 0
    next_attempt_at: dt.datetime
    attempt_started_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    last_error: str | None = None

    @property
    def outcome_unknown(self) -> bool:
        return self.attempt_started_at is not None

    def begin_attempt(self, now: dt.datetime, lease: dt.timedelta) -> None:
        """Holds the entry for `lease` (longer than a send can take), so no other worker picks it
        up meanwhile. An earlier attempt's start is kept: the lookup must reach back to it."""
        if self.attempt_started_at is None:
            self.attempt_started_at = now
        self.next_attempt_at = now + lease

    def record_failure(self, error: str, now: dt.datetime, retry_in: dt.timedelta | None, *, maybe_sent: bool = False) -> None:
        """`retry_in=None` gives up: the entry stays undelivered and is not tried again.
        `maybe_sent` keeps the attempt open, so the next one looks for it first."""
        self.attempts += 1
        self.last_error = error
        self.next_attempt_at = now + retry_in if retry_in is not None else NEVER
        if not maybe_sent or retry_in is None:
            self.attempt_started_at = None

    def record_delivery(self, now: dt.datetime) -> None:
        self.attempts += 1
        self.delivered_at = now
        self.last_error = None
        self.attempt_started_at = None
