from collections.abc import Sequence

import attrs

from application.budget import month_start
from application.circuit_breaker import Circuit, CircuitBreaker
from application.clock import Clock
from application.model_usage import BudgetAlert, ModelUsage


@attrs.frozen
class ModelHealth:
    model: str | None  # None: the offline engine answers, no model is called
    circuit: Circuit | None  # None with the model
    budget_alerts: Sequence[BudgetAlert]  # this month's, every tenant's


@attrs.define
class ReportModelHealth:
    """The language model's side of `/health`, read from the ledger: the web process that serves it
    makes no calls itself."""

    usage: ModelUsage
    breaker: CircuitBreaker
    clock: Clock
    model: str | None

    async def execute(self) -> ModelHealth:
        now = self.clock.now()
        circuit = None
        if self.model is not None:
            circuit = self.breaker.state(await self.usage.latest_outcomes(self.model, self.breaker.failures), now)
        return ModelHealth(self.model, circuit, await self.usage.alerts(month_start(now).date()))
