"""The ledger of model calls: every call a turn makes to a language model, what it cost and how it
ended. Budgets, the circuit breaker, `/health`, `tatame stats` and `chat -v` all read it."""

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from application.pricing import Tokens
from domain.tenant import Tenant

OK = "ok"  # a call's outcome when it answered JSON; any other outcome is a failure's reason


@attrs.frozen
class Caller:
    """Whom a model call is made for: the tenant it is billed to (whose ceiling admits it) and, when
    a turn makes it, which turn. Passed down by whoever holds the tenant (a turn, an ingest) rather
    than looked up by slug where the call is made: no read per call, and the turn comes along."""

    tenant: Tenant
    conversation_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None  # the newest message of the turn


@attrs.frozen(kw_only=True)
class ModelCall:
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID | None
    message_id: uuid.UUID | None  # the newest message of the turn that made the call
    decision: str  # which decision of the turn asked ("faq_answer", ...)
    model: str
    tokens: Tokens
    latency_ms: int
    outcome: str
    cost_usd: Decimal | None  # None: the model has no price, not a free call
    price_version: str
    created_at: dt.datetime


@attrs.frozen
class Spend:
    """A tenant's calls over a period: dollars where the model has a price, tokens where it has none."""

    usd: Decimal = Decimal(0)
    unpriced_tokens: int = 0

    def plus(self, call: ModelCall) -> "Spend":
        if call.cost_usd is None:
            return Spend(self.usd, self.unpriced_tokens + call.tokens.total)
        return Spend(self.usd + call.cost_usd, self.unpriced_tokens)


@attrs.frozen
class CallOutcome:
    outcome: str
    at: dt.datetime


@attrs.frozen(kw_only=True)
class BudgetAlert:
    """A tenant reached `threshold` percent of its monthly ceiling; staff are told once a month."""

    tenant_id: uuid.UUID
    tenant: str  # the slug, for whoever reads the alert
    month: dt.date  # its first day
    threshold: int
    spent: Decimal
    ceiling: Decimal
    unit: str  # "usd" or "tokens"
    created_at: dt.datetime


class ModelUsage(Protocol):
    """The ledger. Writes commit on their own, outside the turn's unit of work: a turn that rolls
    back (a newer message made it stale) was still billed for its calls."""

    async def record(self, call: ModelCall) -> None:
        """Stores `call`, committed before it returns."""

    async def spent(self, tenant_id: uuid.UUID, since: dt.datetime) -> Spend:
        """What `tenant_id`'s calls made from `since` on cost."""

    async def latest_outcomes(self, model: str, limit: int) -> Sequence[CallOutcome]:
        """The outcomes of the last `limit` calls to `model`, any tenant's, newest first."""

    async def claim_alert(self, alert: BudgetAlert) -> bool:
        """Stores `alert` unless one for its tenant, month and threshold is stored already (by any
        process); True when this call stored it, so whoever gets True tells staff."""

    async def alerts(self, month: dt.date) -> Sequence[BudgetAlert]:
        """The alerts of `month`, every tenant's, oldest first."""

    async def latest_turn_calls(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[ModelCall]:
        """The calls of the conversation's latest turn (the one its newest member message started),
        oldest first."""
