"""Any sequence of bookings and cancellations by several members keeps every class within its
capacity and every member within the per-person limit."""

import asyncio
import contextlib
import datetime as dt
from collections import Counter

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from application.register_trial_class import RegisterTrialClass
from domain.booking import BookingRefused
from domain.client import Client
from domain.conversation import Conversation
from domain.phone import Phone
from domain.tenant import ClassSlot, Modality, Tenant, TrialClassRules
from tests.unit.fakes import FakeClock, FakeUnitOfWork

SP = dt.timezone(dt.timedelta(hours=-3))
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SP)
BOXE = Modality(name="Boxe", capacity=2, schedule=[ClassSlot(weekday="tue", start=dt.time(20), duration_minutes=60)])
TENANT = Tenant(
    slug="ct", name="CT", modalities=[BOXE], trial_class=TrialClassRules(min_notice_hours=2, max_days_ahead=14, max_per_person=1)
)
CLASSES = [dt.datetime(2026, 3, 3, 20, tzinfo=SP), dt.datetime(2026, 3, 10, 20, tzinfo=SP), dt.datetime(2026, 3, 3, 19, tzinfo=SP)]


class Bookings(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.uow = FakeUnitOfWork()
        self.register = RegisterTrialClass(self.uow, FakeClock(NOW))
        self.members = []
        for i in range(4):
            client = Client(tenant_id=TENANT.id, phone=Phone(f"551190000000{i}"))
            self.members.append((client, Conversation(tenant_id=TENANT.id, client_id=client.id, created_at=NOW)))

    @rule(member=st.integers(0, 3), when=st.sampled_from(CLASSES))
    def book(self, member, when):
        client, conversation = self.members[member]
        # The fakes never suspend, so each rule can run its coroutine to the end on its own.
        with contextlib.suppress(BookingRefused):
            asyncio.run(self.register.execute(TENANT, conversation, client, BOXE, when))

    @rule(member=st.integers(0, 3))
    def cancel(self, member):
        client, _ = self.members[member]
        for trial in self.uow.trial_classes.items:
            if trial.client_id == client.id and trial.is_upcoming(NOW):
                trial.cancel(NOW)

    @invariant()
    def within_capacity_timetable_and_limit(self):
        confirmed = [t for t in self.uow.trial_classes.items if t.is_upcoming(NOW)]
        assert all(n <= BOXE.capacity for n in Counter(t.starts_at for t in confirmed).values())
        assert all(n <= 1 for n in Counter(t.client_id for t in self.uow.trial_classes.items if t.is_active).values())
        assert all(t.starts_at.astimezone(TENANT.zone).hour == 20 for t in self.uow.trial_classes.items)


TestBookings = Bookings.TestCase
