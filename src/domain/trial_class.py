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
            raise NotCancellable(f"trial class {self.id} ({self.status}, {self.starts_at}) has started or is no longer confirmed")
        self.status = TrialClassStatus.CANCELLED

    def attendance_open(self, now: dt.datetime, zone: dt.tzinfo) -> bool:
        """Whether staff may say if the member came: the class has started, or is today in the
        tenant's timezone (a receptionist marks arrivals as they walk in), and was not cancelled."""
        if self.status is TrialClassStatus.CANCELLED:
            return False
        return self.starts_at <= now or self.starts_at.astimezone(zone).date() == now.astimezone(zone).date()

    def mark_attendance(self, attended: bool, now: dt.datetime, zone: dt.tzinfo) -> None:
        """Records whether the member came. A mark may be corrected (attended <-> no-show)."""
        if not self.attendance_open(now, zone):
            raise AttendanceNotOpen(f"trial class {self.id} ({self.status}, {self.starts_at}) cannot be marked at {now}")
        self.status = TrialClassStatus.ATTENDED if attended else TrialClassStatus.NO_SHOW


class NotCancellable(DomainError):
    """Only a confirmed class that has not started can be cancelled."""


class AttendanceNotOpen(DomainError):
    """Attendance is marked only on a class that was not cancelled, from its day on."""
