import datetime as dt
import itertools
import uuid
from collections.abc import Sequence

import attrs

from application.clock import Clock
from application.errors import ApplicationError
from application.members import tenant_by_id
from application.unit_of_work import UnitOfWork
from domain.client import Client
from domain.tenant import Tenant
from domain.trial_class import TrialClass, TrialClassStatus

# A screen of classes, not a history: the booking horizon is two weeks, a month or two of past
# classes is what staff look back on.
MAX_DAYS = 92


@attrs.frozen(kw_only=True)
class TrialClassRow:
    id: uuid.UUID
    member_name: str | None  # None: the member gave none, or was erased (then `anonymous`)
    masked_phone: str | None
    anonymous: bool  # the member's data was erased: the class keeps its seat, not whose it was
    status: TrialClassStatus
    may_mark_attendance: bool
    may_cancel: bool


@attrs.frozen(kw_only=True)
class ClassSession:
    """One class of a modality (one start), with the trial members booked into it."""

    modality: str
    starts_at: dt.datetime  # in the tenant's timezone
    capacity: int | None  # None: the modality is no longer in the pack
    seats_used: int  # trial classes in it that were not cancelled
    trial_classes: Sequence[TrialClassRow]


@attrs.frozen(kw_only=True)
class TrialClassDay:
    day: dt.date
    sessions: Sequence[ClassSession]  # by modality, then time


@attrs.frozen(kw_only=True)
class TrialClassSchedule:
    first: dt.date
    last: dt.date
    days: Sequence[TrialClassDay]  # the days with classes, in order


@attrs.define
class ListTrialClasses:
    """The tenant's trial classes on the days from `first` to `last` (inclusive, the tenant's
    calendar; by default from today to the booking horizon), grouped by day and class, with each
    member shown without their number."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, tenant_id: uuid.UUID, first: dt.date | None = None, last: dt.date | None = None) -> TrialClassSchedule:
        tenant = await tenant_by_id(self.uow, tenant_id)
        first = first or self.clock.now().astimezone(tenant.zone).date()
        last = last or first + dt.timedelta(days=tenant.trial_class.max_days_ahead)
        if not 0 <= (last - first).days < MAX_DAYS:
            raise ApplicationError(f"a range of 1 to {MAX_DAYS} days, got {first} to {last}")
        start = dt.datetime.combine(first, dt.time(), tzinfo=tenant.zone)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tenant.zone)
        classes = await self.uow.trial_classes.starting_between(tenant.id, start, end)
        clients = await self._clients(tenant, classes)
        now = self.clock.now()

        def local_day(trial: TrialClass) -> dt.date:
            return trial.starts_at.astimezone(tenant.zone).date()

        days = []
        for day, of_day in itertools.groupby(classes, key=local_day):
            by_class = sorted(of_day, key=lambda t: (t.modality, t.starts_at, t.created_at))
            sessions = [
                self._session(tenant, modality, starts_at, list(booked), clients, now)
                for (modality, starts_at), booked in itertools.groupby(by_class, key=lambda t: (t.modality, t.starts_at))
            ]
            days.append(TrialClassDay(day=day, sessions=sessions))
        return TrialClassSchedule(first=first, last=last, days=days)

    async def _clients(self, tenant: Tenant, classes: Sequence[TrialClass]) -> dict[uuid.UUID, Client]:
        ids = {t.client_id for t in classes if t.client_id is not None}
        return {client.id: client for client in await self.uow.clients.by_ids(tenant.id, ids)}

    def _session(
        self,
        tenant: Tenant,
        modality: str,
        starts_at: dt.datetime,
        booked: list[TrialClass],
        clients: dict[uuid.UUID, Client],
        now: dt.datetime,
    ) -> ClassSession:
        pack = next((m for m in tenant.modalities if m.name == modality), None)
        return ClassSession(
            modality=modality,
            starts_at=starts_at.astimezone(tenant.zone),
            capacity=pack.capacity if pack else None,
            seats_used=sum(t.is_active for t in booked),
            trial_classes=[_row(t, clients.get(t.client_id) if t.client_id else None, tenant, now) for t in booked],
        )


def _row(trial: TrialClass, client: Client | None, tenant: Tenant, now: dt.datetime) -> TrialClassRow:
    return TrialClassRow(
        id=trial.id,
        member_name=client.name if client else None,
        masked_phone=client.phone.masked if client else None,
        anonymous=client is None,
        status=trial.status,
        may_mark_attendance=trial.attendance_open(now, tenant.zone),
        may_cancel=trial.is_upcoming(now),
    )
