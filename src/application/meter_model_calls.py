"""Whether a turn may call the model, and the record of each call it makes: the ceiling and the
circuit breaker are checked before a call, the ledger written after it."""

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

import attrs
import structlog

from application.budget import BudgetDefaults, Ceiling, month_start
from application.circuit_breaker import CircuitBreaker, CircuitState
from application.clock import Clock
from application.errors import ApplicationError
from application.model_usage import BudgetAlert, Caller, CallOutcome, ModelCall, ModelUsage, Spend
from application.pricing import PriceTable, Tokens
from domain.tenant import Tenant

log = structlog.get_logger(__name__)


class CallRefused(ApplicationError):
    """No call may be made now; `reason` is short and fit for a log field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@attrs.frozen
class Admission:
    """A call let through: what it was checked against, for its record."""

    ceiling: Ceiling | None
    spend: Spend
    test_call: bool  # the one call a half-open circuit lets through


# How long what the ledger said (a model's latest outcomes, a tenant's spend this month) is reused.
# Reading it costs a turn about 2.5 ms of the model's path, twice the rest of our own work around
# a call; a second old, it lets another process's calls of that second pass unseen (the ceiling
# may be passed by them, the circuit open a second late), while this process's own calls count at once.
READ_SECONDS = 1.0


@attrs.define
class RecentReads:
    """The ledger's answers this process read in the last `READ_SECONDS`, kept up to date with the
    calls it records itself."""

    _outcomes: dict[str, tuple[float, list[CallOutcome]]] = attrs.field(factory=dict)
    _spends: dict[tuple[uuid.UUID, dt.datetime], tuple[float, Spend]] = attrs.field(factory=dict)

    async def outcomes(self, model: str, read: Callable[[], Awaitable[Sequence[CallOutcome]]]) -> list[CallOutcome]:
        kept = self._outcomes.get(model)
        if kept is None or time.monotonic() - kept[0] > READ_SECONDS:
            kept = self._outcomes[model] = (time.monotonic(), list(await read()))
        return kept[1]

    async def spend(self, key: tuple[uuid.UUID, dt.datetime], read: Callable[[], Awaitable[Spend]]) -> Spend:
        kept = self._spends.get(key)
        if kept is None or time.monotonic() - kept[0] > READ_SECONDS:
            kept = self._spends[key] = (time.monotonic(), await read())
        return kept[1]

    def recorded(self, call: ModelCall, keep: int, key: tuple[uuid.UUID, dt.datetime]) -> None:
        if (outcomes := self._outcomes.get(call.model)) is not None:
            self._outcomes[call.model] = (outcomes[0], [CallOutcome(call.outcome, call.created_at), *outcomes[1]][:keep])
        if (spend := self._spends.get(key)) is not None:
            self._spends[key] = (spend[0], spend[1].plus(call))


@attrs.define
class MeterModelCalls:
    usage: ModelUsage
    prices: PriceTable
    budgets: BudgetDefaults
    breaker: CircuitBreaker
    clock: Clock
    # While this process's test call of a half-open circuit is out, other turns do not call. Until
    # a time rather than a flag: a test call that never reports back (cancelled) must not keep the
    # circuit shut.
    _testing_until: dt.datetime | None = attrs.field(default=None, init=False)
    # Alerts this process knows are stored: once a tenant is past 80%, not a write per call.
    _alerted: set[tuple[uuid.UUID, dt.date, int]] = attrs.field(factory=set, init=False)
    _read: "RecentReads" = attrs.field(factory=lambda: RecentReads(), init=False)

    async def admit(self, caller: Caller, model: str) -> Admission:
        """Raises `CallRefused` when the circuit is open or the tenant's ceiling is reached."""
        now = self.clock.now()
        ceiling = self._ceiling(caller, model)
        outcomes, spend = await asyncio.gather(
            self._read.outcomes(model, lambda: self.usage.latest_outcomes(model, self.breaker.failures)),
            self._spend(caller, ceiling, now),
        )
        circuit = self.breaker.state(outcomes, now)
        testing = self._testing_until is not None and now < self._testing_until
        if circuit.state is CircuitState.OPEN or (circuit.state is CircuitState.HALF_OPEN and testing):
            raise CallRefused("circuit open")
        if ceiling:
            await self._alert(caller.tenant, ceiling, spend, now)
            if ceiling.exhausted(spend):
                raise CallRefused("budget exhausted")
        test_call = circuit.state is CircuitState.HALF_OPEN
        if test_call:
            self._testing_until = now + self.breaker.cooldown
        return Admission(ceiling, spend, test_call)

    async def admit_regardless(self, caller: Caller, model: str) -> Admission:
        """For a call that is made whatever the ceiling and the circuit say (ingest's embeddings: a
        pack must be indexed for any engine to answer from it). It is still recorded and counts
        toward the tenant's month, so its record alerts staff and later turns meet the ceiling
        sooner; the circuit is not asked, and its outcome still counts for it."""
        ceiling = self._ceiling(caller, model)
        return Admission(ceiling, await self._spend(caller, ceiling, self.clock.now()), test_call=False)

    def _ceiling(self, caller: Caller, model: str) -> Ceiling | None:
        return self.budgets.ceiling(caller.tenant.llm, priced=self.prices.price(model) is not None)

    async def _spend(self, caller: Caller, ceiling: Ceiling | None, now: dt.datetime) -> Spend:
        if not ceiling:
            return Spend()
        month = month_start(now)
        return await self._read.spend((caller.tenant.id, month), lambda: self.usage.spent(caller.tenant.id, month))

    async def record(
        self, admission: Admission, caller: Caller, decision: str, model: str, tokens: Tokens, latency_ms: int, outcome: str
    ) -> None:
        call = ModelCall(
            tenant_id=caller.tenant.id,
            conversation_id=caller.conversation_id,
            message_id=caller.message_id,
            decision=decision,
            model=model,
            tokens=tokens,
            latency_ms=latency_ms,
            outcome=outcome,
            cost_usd=self.prices.cost(model, tokens),
            price_version=self.prices.version,
            created_at=self.clock.now(),
        )
        try:
            await self.usage.record(call)
        finally:
            if admission.test_call:
                self._testing_until = None
        self._read.recorded(call, self.breaker.failures, (call.tenant_id, month_start(call.created_at)))
        if admission.ceiling:
            await self._alert(caller.tenant, admission.ceiling, admission.spend.plus(call), call.created_at)

    async def _alert(self, tenant: Tenant, ceiling: Ceiling, spend: Spend, now: dt.datetime) -> None:
        month = month_start(now).date()
        for threshold in ceiling.reached(spend):
            if (tenant.id, month, threshold) in self._alerted:
                continue
            alert = BudgetAlert(
                tenant_id=tenant.id,
                tenant=tenant.slug,
                month=month,
                threshold=threshold,
                spent=ceiling.spent(spend),
                ceiling=ceiling.limit,
                unit=ceiling.unit,
                created_at=now,
            )
            if await self.usage.claim_alert(alert):
                log.warning(
                    "llm.budget_alert",
                    tenant=tenant.slug,
                    threshold=threshold,
                    spent=str(alert.spent),
                    ceiling=str(alert.ceiling),
                    unit=alert.unit,
                )
            self._alerted.add((tenant.id, month, threshold))
