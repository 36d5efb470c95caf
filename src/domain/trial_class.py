import datetime as dt
import uuid
from enum import StrEnum

import attrs

from domain.errors import DomainError


class TrialClassStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


@attrs.define(slots=False, kw_only=True)
class TrialClass:
    """A booked "aula experimental". Stored in UTC; shown in the tenant's timezone."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    # None once the member's data was erased (both) or the conversation deleted by retention: the
    # class keeps its seat, counted for capacity and in the statistics, without saying whose it was.
    client_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    modality: str
    starts_at: dt.datetime
    status: TrialClassStatus = TrialClassStatus.CONFIRMED
    created_at: dt.datetime

    def __attrs_post_init__(self) -> None:
        if self.starts_at.tzinfo is None:
            raise ValueError("starts_at must be timezone-aware")

    @property
    def is_active(self) -> bool:
        """Counts against the per-person limit: anything not cancelled."""
        return self.status is not TrialClassStatus.CANCELLED

    def is_upcoming(self, now: dt.datetime) -> bool:
        return self.status is TrialClassStatus.CONFIRMED and self.starts_at > now

    def cancel(self, now: dt.datetime) -> None:
        if not self.is_upcoming(now):
            raise DomainError("only a confirmed class that has not started can be cancelled")
        self.status = TrialClassStatus.CANCELLED
