"""The rules for booking a trial class ("aula experimental"), from the tenant's pack."""

import datetime as dt
from collections.abc import Iterator

import attrs

from domain.errors import DomainError
from domain.flow import Period
from domain.tenant import ClassSlot, Modality, Tenant


class BookingRefused(DomainError):
    """The requested class cannot be booked; subclasses say why."""


class NotInTimetable(BookingRefused):
    pass


class TooSoon(BookingRefused):
    pass


class TooFarAhead(BookingRefused):
    pass


class InThePast(BookingRefused):
    pass


class ClassFull(BookingRefused):
    pass


class TrialLimitReached(BookingRefused):
    pass


@attrs.frozen
class BookingPolicy:
    """Checks a requested class against the timetable, notice, horizon, capacity and the per-person
    limit. Instants are aware; the timetable is in the tenant's local time."""

    tenant: Tenant

    def local(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self.tenant.zone)

    def slot_at(self, modality: Modality, starts_at: dt.datetime) -> ClassSlot | None:
        local = self.local(starts_at)
        return next(
            (s for s in modality.schedule if s.weekday.number == local.weekday() and s.start == local.time().replace(tzinfo=None)),
            None,
        )

    def check(self, modality: Modality, starts_at: dt.datetime, now: dt.datetime, booked_in_class: int, active_for_person: int) -> None:
        """Raises the first rule the booking breaks. `booked_in_class` counts the seats taken (bookings not cancelled) in
        that class; `active_for_person` the person's trial classes that are not cancelled."""
        rules = self.tenant.trial_class
        if self.slot_at(modality, starts_at) is None:
            raise NotInTimetable(f"{modality.name} has no class at {self.local(starts_at):%a %H:%M}")
        if starts_at <= now:
            raise InThePast(f"{starts_at} is not after {now}")
        if starts_at < now + dt.timedelta(hours=rules.min_notice_hours):
            raise TooSoon(f"needs {rules.min_notice_hours} h notice")
        if self.local(starts_at).date() > self.local(now).date() + dt.timedelta(days=rules.max_days_ahead):
            raise TooFarAhead(f"at most {rules.max_days_ahead} days ahead")
        if booked_in_class >= modality.capacity:
            raise ClassFull(f"{modality.name} at {starts_at} has {booked_in_class}/{modality.capacity}")
        if active_for_person >= rules.max_per_person:
            raise TrialLimitReached(f"already has {active_for_person} trial class(es)")

    def classes_on(self, modality: Modality, day: dt.date) -> list[dt.datetime]:
        """The modality's classes on a local calendar day, in order, as aware instants."""
        zone = self.tenant.zone
        return sorted(
            dt.datetime.combine(day, slot.start, tzinfo=zone) for slot in modality.schedule if slot.weekday.number == day.weekday()
        )

    def bookable_classes(self, modality: Modality, now: dt.datetime) -> Iterator[dt.datetime]:
        """Classes that meet notice and horizon, soonest first (capacity is the caller's to check)."""
        rules = self.tenant.trial_class
        today = self.local(now).date()
        earliest = now + dt.timedelta(hours=rules.min_notice_hours)
        for offset in range(rules.max_days_ahead + 1):
            for starts_at in self.classes_on(modality, today + dt.timedelta(days=offset)):
                if starts_at >= earliest and starts_at > now:
                    yield starts_at

    def classes_matching(
        self, modality: Modality, now: dt.datetime, day: dt.date | None, time: dt.time | None, period: Period | None
    ) -> list[dt.datetime]:
        """The classes a member's words point at: on the day they named (or the soonest bookable
        ones), at the time they named ("7h" also means 19h when only 19h exists: people say the
        hour on a 12-hour clock) or in the part of the day they named."""
        candidates = self.classes_on(modality, day) if day else list(self.bookable_classes(modality, now))
        local = [(c, self.local(c).time().replace(tzinfo=None)) for c in candidates]
        if time:
            wanted = {time}
            if time.hour < 12 and not period:
                wanted.add(time.replace(hour=time.hour + 12))
            exact = [c for c, at in local if at == time]
            picked = exact or [c for c, at in local if at in wanted]
        elif period:
            picked = [c for c, at in local if at.hour in period.hours]
        else:
            picked = [c for c, _ in local]
        if len(picked) > 1:
            # Classes already over are no options; one named exactly is kept, to be refused with the reason.
            picked = [c for c in picked if c > now]
        if not day and picked:
            first_day = self.local(picked[0]).date()
            picked = [c for c in picked if self.local(c).date() == first_day]
            if time:
                picked = picked[:1]
        return picked
