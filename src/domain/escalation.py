import datetime as dt
import uuid
from enum import StrEnum

import attrs


class EscalationReason(StrEnum):
    PAID_SERVICE = "paid_service"
    HUMAN_REQUESTED = "human_requested"


@attrs.define(slots=False, kw_only=True)
class Escalation:
    """A hand-over to staff: why, and about what."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    reason: EscalationReason
    subject: str | None = None  # the paid service's name, when there is one
    resolved_at: dt.datetime | None = None
    created_at: dt.datetime

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def resolve(self, now: dt.datetime) -> None:
        """Staff dealt with it. Resolving again keeps the first instant."""
        if self.resolved_at is None:
            self.resolved_at = now
