"""An in-memory ledger of model calls (the `ModelUsage` port), shared by the "processes" of a test
as PostgreSQL is shared by a deployment's."""

import datetime as dt
import uuid
from collections.abc import Sequence

import attrs

from application.model_usage import BudgetAlert, CallOutcome, ModelCall, Spend


@attrs.define
class FakeModelUsage:
    calls: list[ModelCall] = attrs.field(factory=list)
    stored_alerts: list[BudgetAlert] = attrs.field(factory=list)

    async def record(self, call: ModelCall) -> None:
        self.calls.append(call)

    async def spent(self, tenant_id: uuid.UUID, since: dt.datetime) -> Spend:
        spend = Spend()
        for call in self.calls:
            if call.tenant_id == tenant_id and call.created_at >= since:
                spend = spend.plus(call)
        return spend

    async def latest_outcomes(self, model: str, limit: int) -> Sequence[CallOutcome]:
        return [CallOutcome(c.outcome, c.created_at) for c in reversed(self.calls) if c.model == model][:limit]

    async def claim_alert(self, alert: BudgetAlert) -> bool:
        key = (alert.tenant_id, alert.month, alert.threshold)
        if any((a.tenant_id, a.month, a.threshold) == key for a in self.stored_alerts):
            return False
        self.stored_alerts.append(alert)
        return True

    async def alerts(self, month: dt.date) -> Sequence[BudgetAlert]:
        return [a for a in self.stored_alerts if a.month == month]

    async def latest_turn_calls(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[ModelCall]:
        mine = [c for c in self.calls if c.tenant_id == tenant_id and c.conversation_id == conversation_id]
        return [c for c in mine if c.message_id == mine[-1].message_id] if mine else []
