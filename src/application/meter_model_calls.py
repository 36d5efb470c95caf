"""Whether a turn may call the model, and the record of each call it makes: the ceiling and the
circuit breaker are checked before a call, the ledger written after it."""

import datetime as dt
import uuid

import attrs
import structlog

from application.budget import BudgetDefaults, Ceiling, month_start
from application.circuit_breaker import CircuitBreaker, CircuitState
from application.clock import Clock
from application.errors import ApplicationError
from application.model_usage import BudgetAlert, ModelCall, ModelUsage, Spend
from application.pricing import PriceTable, Tokens
from application.turn import TurnInput
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

    async def admit(self, turn: TurnInput, model: str) -> Admission:
        """Raises `CallRefused` when the circuit is open or the tenant's ceiling is reached."""
        now = self.clock.now()
        circuit = self.breaker.state(await self.usage.latest_outcomes(model, self.breaker.failures), now)
        testing = self._testing_until is not None and now < self._testing_until
        if circuit.state is CircuitState.OPEN or (circuit.state is CircuitState.HALF_OPEN and testing):
            raise CallRefused("circuit open")
        ceiling = self.budgets.ceiling(turn.tenant.llm, priced=self.prices.price(model) is not None)
        spend = await self.usage.spent(turn.tenant.id, month_start(now)) if ceiling else Spend()
        if ceiling:
            await self._alert(turn.tenant, ceiling, spend, now)
            if ceiling.exhausted(spend):
                raise CallRefused("budget exhausted")
        test_call = circuit.state is CircuitState.HALF_OPEN
        if test_call:
            self._testing_until = now + self.breaker.cooldown
        return Admission(ceiling, spend, test_call)

    async def record(
        self, admission: Admission, turn: TurnInput, decision: str, model: str, tokens: Tokens, latency_ms: int, outcome: str
    ) -> None:
        call = ModelCall(
            tenant_id=turn.tenant.id,
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
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
        if admission.ceiling:
            await self._alert(turn.tenant, admission.ceiling, admission.spend.plus(call), call.created_at)

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
