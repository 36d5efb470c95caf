"""The dashboard's "Visão geral": what the bot and staff did for one tenant over its last days."""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from application.clock import Clock
from application.errors import ApplicationError
from application.members import tenant_by_id
from application.pricing import Tokens
from application.unit_of_work import UnitOfWork
from application.usage_stats import UsageStats

MAX_DAYS = 366


@attrs.frozen
class DailyMessages:
    day: dt.date  # the tenant's calendar
    inbound: int
    outbound: int  # the bot's and staff's


@attrs.frozen
class EscalationAnswer:
    escalated_at: dt.datetime
    first_staff_message_at: dt.datetime | None  # None: no staff message since


@attrs.frozen(kw_only=True)
class TrialClassCounts:
    booked: int  # booked in the period, whatever became of them
    attended: int  # of the classes held in the period
    no_show: int


class OverviewStats(Protocol):
    """Read-only figures of one tenant, every query filtered by `tenant_id`; days are the tenant's
    calendar days in `timezone` (an IANA name)."""

    async def messages_per_day(self, tenant_id: uuid.UUID, timezone: str, since: dt.datetime) -> Sequence[DailyMessages]:
        """Messages created at `since` or later, per local day with any, oldest first."""

    async def escalation_answers(self, tenant_id: uuid.UUID, since: dt.datetime) -> Sequence[EscalationAnswer]:
        """Each escalation created at `since` or later, with the first message staff wrote in its
        conversation at or after it."""

    async def trial_classes(self, tenant_id: uuid.UUID, since: dt.datetime, until: dt.datetime) -> TrialClassCounts:
        """Booked: created in [since, until). Attended, no-show: starting in [since, until)."""


@attrs.frozen(kw_only=True)
class EscalationFigures:
    count: int
    answered: int
    median_first_answer: dt.timedelta | None  # over the answered ones


@attrs.frozen(kw_only=True)
class Spend:
    calls: int
    failed: int
    tokens: Tokens
    cost_usd: Decimal | None  # of the calls with a price
    unpriced: int  # calls whose cost is unknown: never counted as 0


@attrs.frozen(kw_only=True)
class Overview:
    first: dt.date
    last: dt.date  # today, in the tenant's calendar
    messages: Sequence[DailyMessages]  # every day of the period, empty ones too
    turns_by_route: dict[str, int]  # UTC days, as `tatame stats`
    escalations: EscalationFigures
    trial_classes: TrialClassCounts
    spend: Spend | None  # None: no language model is configured


@attrs.define
class ReportOverview:
    """The last `days` days of a tenant, today included. The time to a staff answer runs from an
    escalation to the first message staff wrote in that conversation after it (from the center's
    phone or the dashboard); escalations nobody answered yet are counted, not timed."""

    uow: UnitOfWork
    stats: OverviewStats
    usage: UsageStats
    clock: Clock
    language_model: bool  # an LLM engine answers turns: its spend is shown

    async def execute(self, tenant_id: uuid.UUID, days: int) -> Overview:
        if not 1 <= days <= MAX_DAYS:
            raise ApplicationError(f"1 to {MAX_DAYS} days, got {days}")
        tenant = await tenant_by_id(self.uow, tenant_id)
        last = self.clock.now().astimezone(tenant.zone).date()
        first = last - dt.timedelta(days=days - 1)
        since = dt.datetime.combine(first, dt.time(), tzinfo=tenant.zone)
        until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tenant.zone)
        counted = {d.day: d for d in await self.stats.messages_per_day(tenant.id, tenant.timezone, since)}
        messages = [counted.get(day, DailyMessages(day, 0, 0)) for day in (first + dt.timedelta(days=n) for n in range(days))]
        routes: Counter[str] = Counter()
        for turn in await self.usage.turns(tenant.slug, first):
            routes[turn.route] += turn.turns
        return Overview(
            first=first,
            last=last,
            messages=messages,
            turns_by_route=dict(routes.most_common()),
            escalations=_escalations(await self.stats.escalation_answers(tenant.id, since)),
            trial_classes=await self.stats.trial_classes(tenant.id, since, until),
            spend=await self._spend(tenant.slug, first) if self.language_model else None,
        )

    async def _spend(self, slug: str, first: dt.date) -> Spend:
        calls = await self.usage.calls(slug, first)
        priced = [c.cost_usd for c in calls if c.cost_usd is not None]
        return Spend(
            calls=sum(c.calls for c in calls),
            failed=sum(c.failed for c in calls),
            tokens=Tokens(
                prompt=sum(c.tokens.prompt for c in calls),
                cached=sum(c.tokens.cached for c in calls),
                completion=sum(c.tokens.completion for c in calls),
            ),
            cost_usd=sum(priced, Decimal(0)) if priced else None,
            unpriced=sum(c.unpriced for c in calls),
        )


def _escalations(answers: Sequence[EscalationAnswer]) -> EscalationFigures:
    waits = sorted(a.first_staff_message_at - a.escalated_at for a in answers if a.first_staff_message_at is not None)
    return EscalationFigures(count=len(answers), answered=len(waits), median_first_answer=_median(waits) if waits else None)


def _median(sorted_waits: Sequence[dt.timedelta]) -> dt.timedelta:
    middle = len(sorted_waits) // 2
    if len(sorted_waits) % 2:
        return sorted_waits[middle]
    return (sorted_waits[middle - 1] + sorted_waits[middle]) / 2
