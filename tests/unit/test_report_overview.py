import datetime as dt
import uuid
from decimal import Decimal

import attrs
import pytest

from application.errors import ApplicationError
from application.pricing import Tokens
from application.report_overview import DailyMessages, EscalationAnswer, ReportOverview, TrialClassCounts
from application.usage_stats import DailyCalls, Engine, TurnCount
from domain.tenant import Tenant
from tests.unit.fakes import FakeClock, FakeUnitOfWork

TENANT = Tenant(slug="ct", name="CT Teste")
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # still Sunday 01/03 in São Paulo
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@attrs.define
class FakeStats:
    days: list[DailyMessages] = attrs.field(factory=list)
    answers: list[EscalationAnswer] = attrs.field(factory=list)
    asked: list[tuple] = attrs.field(factory=list)

    async def messages_per_day(self, tenant_id, timezone, since):
        self.asked.append(("messages", tenant_id, timezone, since))
        return self.days

    async def escalation_answers(self, tenant_id, since):
        return self.answers

    async def trial_classes(self, tenant_id, since, until):
        self.asked.append(("trials", tenant_id, since, until))
        return TrialClassCounts(booked=3, attended=1, no_show=1)


@attrs.define
class FakeUsage:
    turns_: list[TurnCount] = attrs.field(factory=list)
    calls_: list[DailyCalls] = attrs.field(factory=list)
    asked: list[tuple] = attrs.field(factory=list)

    async def turns(self, tenant, since):
        self.asked.append(("turns", tenant, since))
        return self.turns_

    async def calls(self, tenant, since):
        self.asked.append(("calls", tenant, since))
        return self.calls_


def report(stats=None, usage=None, language_model=False) -> ReportOverview:
    uow = FakeUnitOfWork()
    uow.tenants.add(TENANT)
    return ReportOverview(uow, stats or FakeStats(), usage or FakeUsage(), FakeClock(NOW), language_model)


async def test_every_day_of_the_tenants_calendar_is_shown_empty_ones_too():
    stats = FakeStats(days=[DailyMessages(dt.date(2026, 2, 28), 4, 5)])
    overview = await report(stats).execute(TENANT.id, 3)
    assert (overview.first, overview.last) == (dt.date(2026, 2, 27), dt.date(2026, 3, 1))
    assert overview.messages == [
        DailyMessages(dt.date(2026, 2, 27), 0, 0),
        DailyMessages(dt.date(2026, 2, 28), 4, 5),
        DailyMessages(dt.date(2026, 3, 1), 0, 0),
    ]
    since = dt.datetime(2026, 2, 27, 3, 0, tzinfo=dt.UTC)
    until = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    assert stats.asked == [("messages", TENANT.id, "America/Sao_Paulo", since), ("trials", TENANT.id, since, until)]
    assert overview.trial_classes == TrialClassCounts(booked=3, attended=1, no_show=1)


async def test_turns_are_counted_by_route_across_days_and_engines():
    usage = FakeUsage(
        turns_=[
            TurnCount(dt.date(2026, 2, 28), "faq", Engine.MODEL, 3),
            TurnCount(dt.date(2026, 2, 28), "faq", Engine.OFFLINE, 2),
            TurnCount(dt.date(2026, 3, 1), "escalate", Engine.OFFLINE, 1),
            TurnCount(dt.date(2026, 3, 1), "faq", Engine.FALLBACK, 1),
        ]
    )
    overview = await report(usage=usage).execute(TENANT.id, 7)
    assert overview.turns_by_route == {"faq": 6, "escalate": 1}
    assert list(overview.turns_by_route) == ["faq", "escalate"]
    assert usage.asked == [("turns", "ct", dt.date(2026, 2, 23))]


@pytest.mark.parametrize(
    ("minutes", "median"),
    [([10], 10), ([30, 10, 20], 20), ([10, 40], 25), ([], None)],
)
async def test_the_median_wait_for_staff_leaves_unanswered_escalations_out(minutes, median):
    answered = [EscalationAnswer(T0, T0 + dt.timedelta(minutes=m)) for m in minutes]
    stats = FakeStats(answers=[*answered, EscalationAnswer(T0, None)])
    figures = (await report(stats).execute(TENANT.id, 7)).escalations
    assert (figures.count, figures.answered) == (len(minutes) + 1, len(minutes))
    assert figures.median_first_answer == (dt.timedelta(minutes=median) if median is not None else None)


async def test_spend_is_shown_only_with_a_language_model():
    usage = FakeUsage(
        calls_=[
            DailyCalls(dt.date(2026, 2, 28), calls=3, failed=1, tokens=Tokens(100, 10, 5), cost_usd=Decimal("0.25"), unpriced=1),
            DailyCalls(dt.date(2026, 3, 1), calls=2, failed=0, tokens=Tokens(50, 0, 5), cost_usd=None, unpriced=2),
        ]
    )
    assert (await report(usage=usage).execute(TENANT.id, 7)).spend is None
    spend = (await report(usage=usage, language_model=True).execute(TENANT.id, 7)).spend
    assert (spend.calls, spend.failed, spend.tokens, spend.cost_usd, spend.unpriced) == (5, 1, Tokens(150, 10, 10), Decimal("0.25"), 3)


async def test_an_unpriced_period_has_no_cost_rather_than_zero():
    usage = FakeUsage(calls_=[DailyCalls(dt.date(2026, 3, 1), calls=2, failed=0, tokens=Tokens(), cost_usd=None, unpriced=2)])
    assert (await report(usage=usage, language_model=True).execute(TENANT.id, 7)).spend.cost_usd is None


@pytest.mark.parametrize("days", [0, -1, 367])
async def test_refuses_a_senseless_period(days):
    with pytest.raises(ApplicationError):
        await report().execute(TENANT.id, days)


async def test_an_unknown_tenant_is_refused():
    with pytest.raises(ApplicationError):
        await report().execute(uuid.uuid4(), 7)
