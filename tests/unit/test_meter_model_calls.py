"""Before a call: the circuit and the tenant's ceiling; after it: the record, and the alerts to staff."""

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

import attrs
import pytest
from structlog.testing import capture_logs

from application.budget import BudgetDefaults
from application.circuit_breaker import CircuitBreaker
from application.meter_model_calls import CallRefused, MeterModelCalls
from application.model_usage import Caller, CallOutcome, Spend
from application.pricing import Price, PriceTable, Tokens
from domain.tenant import LanguageModelSettings, Tenant
from tests.unit.fake_model_usage import FakeModelUsage
from tests.unit.fakes import FakeClock

PRICES = PriceTable(version="v1", prices={"priced": Price(input=Decimal(1), cached_input=Decimal("0.5"), output=Decimal(2))})
# 1,000,000 prompt tokens of "priced" cost one dollar.
MILLION_IN = Tokens(prompt=1_000_000)
TENANT = Tenant(slug="arena", name="Arena")
BREAKER = CircuitBreaker(failures=2, cooldown=dt.timedelta(seconds=30))


def caller(tenant: Tenant = TENANT) -> Caller:
    return Caller(tenant, conversation_id=uuid.uuid4(), message_id=uuid.uuid4())


def meter(usage: FakeModelUsage, clock: FakeClock, usd: str | None = "2", tokens: int | None = None) -> MeterModelCalls:
    return MeterModelCalls(usage, PRICES, BudgetDefaults(Decimal(usd) if usd else None, tokens), BREAKER, clock)


async def call(meter: MeterModelCalls, model: str = "priced", tokens: Tokens = MILLION_IN, outcome: str = "ok", on: Caller | None = None):
    asked = on or caller()
    admission = await meter.admit(asked, model)
    await meter.record(admission, asked, "faq_answer", model, tokens, 120, outcome)


async def test_each_call_is_recorded_with_its_turn_cost_and_price_version():
    usage, clock = FakeModelUsage(), FakeClock()
    asked = caller()
    await call(meter(usage, clock), tokens=Tokens(prompt=1000, cached=200, completion=50), on=asked)
    await call(meter(usage, clock), model="llama3", on=asked)
    priced, unpriced = usage.calls
    assert (priced.conversation_id, priced.message_id, priced.decision, priced.latency_ms) == (
        asked.conversation_id,
        asked.message_id,
        "faq_answer",
        120,
    )
    assert (priced.cost_usd, priced.price_version, priced.created_at) == (
        Decimal("0.001"),
        "v1",
        clock.current,
    )  # (800 + 200 * 0.5 + 50 * 2) / 1e6
    assert unpriced.cost_usd is None


async def test_the_ceiling_refuses_the_call_once_reached_and_staff_are_told_at_80_and_100_once():
    usage, clock = FakeModelUsage(), FakeClock()
    worker = meter(usage, clock, usd="2")
    with capture_logs() as logs:
        await call(worker, tokens=Tokens(prompt=1_600_000))  # 80%
        await call(worker, tokens=Tokens(prompt=100_000))  # 85%: nothing new to say
        await call(worker)  # 135%
        with pytest.raises(CallRefused, match="budget exhausted"):
            await worker.admit(caller(), "priced")
        with pytest.raises(CallRefused, match="budget exhausted"):
            await meter(usage, clock, usd="2").admit(caller(), "priced")  # another process

    assert [(log["threshold"], log["spent"], log["ceiling"]) for log in logs if log["event"] == "llm.budget_alert"] == [
        (80, "1.6", "2"),
        (100, "2.7", "2"),
    ]
    assert [a.threshold for a in usage.stored_alerts] == [80, 100] and len(usage.calls) == 3


async def test_the_month_is_the_calendar_month_in_utc():
    usage, clock = FakeModelUsage(), FakeClock(dt.datetime(2026, 3, 31, 23, 0, tzinfo=dt.UTC))
    await call(meter(usage, clock), tokens=Tokens(prompt=2_000_000))
    with pytest.raises(CallRefused):
        await meter(usage, clock).admit(caller(), "priced")
    clock.current = dt.datetime(2026, 3, 31, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))  # April 1st, 01:00 UTC
    await meter(usage, clock).admit(caller(), "priced")


async def test_the_tenants_own_ceiling_wins_and_an_unpriced_model_is_budgeted_in_tokens():
    usage, clock = FakeModelUsage(), FakeClock()
    frugal = Tenant(slug="frugal", name="Frugal", llm=LanguageModelSettings(monthly_budget_usd=0.5, monthly_budget_tokens=1000))
    await call(meter(usage, clock, usd="100"), on=caller(frugal))  # one dollar: past its half
    with pytest.raises(CallRefused):
        await meter(usage, clock, usd="100").admit(caller(frugal), "priced")
    await meter(usage, clock, usd="100").admit(caller(), "priced")  # another tenant, the default ceiling

    await call(meter(usage, clock), model="llama3", tokens=Tokens(prompt=900, completion=100), on=caller(frugal))
    with pytest.raises(CallRefused):
        await meter(usage, clock).admit(caller(frugal), "llama3")
    await meter(usage, clock, tokens=None).admit(caller(), "llama3")  # no token ceiling: no limit


async def test_the_circuit_opens_after_provider_failures_and_lets_one_test_call_through():
    usage, clock = FakeModelUsage(), FakeClock()
    worker = meter(usage, clock, usd=None)
    await call(worker, outcome="status 500")
    await call(worker, outcome="timeout")
    with pytest.raises(CallRefused, match="circuit open"):
        await worker.admit(caller(), "priced")
    await worker.admit(caller(), "other-model")  # the breaker is per model

    clock.current += dt.timedelta(seconds=30)
    test_call = await worker.admit(caller(), "priced")
    with pytest.raises(CallRefused, match="circuit open"):
        await worker.admit(caller(), "priced")  # while the test call is out
    await worker.record(test_call, caller(), "faq_answer", "priced", Tokens(), 5, "status 503")
    with pytest.raises(CallRefused, match="circuit open"):
        await worker.admit(caller(), "priced")  # failed: open for another cooldown

    clock.current += dt.timedelta(seconds=30)
    await call(worker)
    await worker.admit(caller(), "priced")
    await worker.admit(caller(), "priced")  # closed


async def test_a_test_call_that_never_reports_back_does_not_keep_the_circuit_shut():
    usage, clock = FakeModelUsage(), FakeClock()
    worker = meter(usage, clock, usd=None)
    await call(worker, outcome="status 500")
    await call(worker, outcome="status 500")
    clock.current += dt.timedelta(seconds=30)
    await worker.admit(caller(), "priced")  # cancelled, never recorded
    clock.current += dt.timedelta(seconds=30)
    await worker.admit(caller(), "priced")


@attrs.define
class CountedReads(FakeModelUsage):
    reads: list[str] = attrs.field(factory=list)

    async def spent(self, tenant_id: uuid.UUID, since: dt.datetime) -> Spend:
        self.reads.append("spent")
        return await super().spent(tenant_id, since)

    async def latest_outcomes(self, model: str, limit: int) -> Sequence[CallOutcome]:
        self.reads.append("latest")
        return await super().latest_outcomes(model, limit)


async def test_what_the_ledger_said_is_reused_for_a_moment_and_counts_this_processes_calls_at_once(monkeypatch):
    usage, clock = CountedReads(), FakeClock()
    this, other = meter(usage, clock, usd="1.5"), meter(usage, clock, usd="1.5")
    await call(this)  # a dollar of the 1.5
    await this.admit(caller(), "priced")  # within the moment: no read, its own call counted
    assert sorted(usage.reads) == ["latest", "spent"]
    with capture_logs() as logs:
        await call(other)  # another process reads for itself: two dollars after its call
    assert len(usage.reads) == 4
    assert [log["threshold"] for log in logs if log["event"] == "llm.budget_alert"] == [80, 100]

    with pytest.raises(CallRefused, match="budget exhausted"):
        await other.admit(caller(), "priced")  # its own call counted at once, no read
    assert len(usage.reads) == 4
    await this.admit(caller(), "priced")  # the moment has not passed: this process has not seen the other's call
    monkeypatch.setattr("application.meter_model_calls.READ_SECONDS", -1.0)
    with pytest.raises(CallRefused, match="budget exhausted"):
        await this.admit(caller(), "priced")  # read again: it has
    assert len(usage.reads) == 6
