import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.row_security import system_connection, tenant_connection
from adapters.postgres.tables import budget_alerts, messages, model_calls, tenants
from application.model_usage import BudgetAlert, CallOutcome, ModelCall, Spend
from application.pricing import Tokens
from domain.message import Direction


@attrs.define
class PostgresModelUsage:
    """The ledger, on connections of its own: each write is its own transaction, committed whatever
    the turn that made the call does next."""

    engine: AsyncEngine

    async def record(self, call: ModelCall) -> None:
        async with tenant_connection(self.engine, call.tenant_id, commit=True) as connection:
            await connection.execute(
                model_calls.insert().values(
                    tenant_id=call.tenant_id,
                    conversation_id=call.conversation_id,
                    message_id=call.message_id,
                    decision=call.decision,
                    model=call.model,
                    prompt_tokens=call.tokens.prompt,
                    cached_tokens=call.tokens.cached,
                    completion_tokens=call.tokens.completion,
                    latency_ms=call.latency_ms,
                    outcome=call.outcome,
                    cost_usd=call.cost_usd,
                    price_version=call.price_version,
                    created_at=call.created_at,
                )
            )

    async def spent(self, tenant_id: uuid.UUID, since: dt.datetime) -> Spend:
        c = model_calls.c
        query = sa.select(
            sa.func.coalesce(sa.func.sum(c.cost_usd), 0),
            sa.func.coalesce(sa.func.sum(c.prompt_tokens + c.completion_tokens).filter(c.cost_usd.is_(None)), 0),
        ).where(c.tenant_id == tenant_id, c.created_at >= since)
        async with tenant_connection(self.engine, tenant_id) as connection:
            usd, tokens = (await connection.execute(query)).one()
        return Spend(usd=Decimal(usd), unpriced_tokens=int(tokens))

    async def latest_outcomes(self, model: str, limit: int) -> Sequence[CallOutcome]:
        c = model_calls.c
        query = sa.select(c.outcome, c.created_at).where(c.model == model).order_by(c.id.desc()).limit(limit)
        # The breaker's state: one model's health, whichever center's turns called it.
        async with system_connection(self.engine) as connection:
            return [CallOutcome(row.outcome, row.created_at) for row in await connection.execute(query)]

    async def claim_alert(self, alert: BudgetAlert) -> bool:
        statement = (
            insert(budget_alerts)
            .values(
                tenant_id=alert.tenant_id,
                month=alert.month,
                threshold=alert.threshold,
                spent=alert.spent,
                ceiling=alert.ceiling,
                unit=alert.unit,
                created_at=alert.created_at,
            )
            .on_conflict_do_nothing()
            .returning(budget_alerts.c.threshold)
        )
        async with tenant_connection(self.engine, alert.tenant_id, commit=True) as connection:
            return (await connection.execute(statement)).first() is not None

    async def alerts(self, month: dt.date) -> Sequence[BudgetAlert]:
        query = (
            sa.select(budget_alerts, tenants.c.slug)
            .join(tenants, tenants.c.id == budget_alerts.c.tenant_id)
            .where(budget_alerts.c.month == month)
            .order_by(budget_alerts.c.created_at, tenants.c.slug, budget_alerts.c.threshold)
        )
        # Every center's alerts of the month, for the operator.
        async with system_connection(self.engine) as connection:
            rows = (await connection.execute(query)).all()
        return [
            BudgetAlert(
                tenant_id=row.tenant_id,
                tenant=row.slug,
                month=row.month,
                threshold=row.threshold,
                spent=row.spent,
                ceiling=row.ceiling,
                unit=row.unit,
                created_at=row.created_at,
            )
            for row in rows
        ]

    async def latest_turn_calls(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[ModelCall]:
        m, c = messages.c, model_calls.c
        newest = (
            sa.select(m.id)
            .where(m.tenant_id == tenant_id, m.conversation_id == conversation_id, m.direction == Direction.INBOUND.value)
            .order_by(m.seq.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = sa.select(model_calls).where(c.tenant_id == tenant_id, c.message_id == newest).order_by(c.id)
        async with tenant_connection(self.engine, tenant_id) as connection:
            rows = (await connection.execute(query)).all()
        return [
            ModelCall(
                tenant_id=row.tenant_id,
                conversation_id=row.conversation_id,
                message_id=row.message_id,
                decision=row.decision,
                model=row.model,
                tokens=Tokens(prompt=row.prompt_tokens, cached=row.cached_tokens, completion=row.completion_tokens),
                latency_ms=row.latency_ms,
                outcome=row.outcome,
                cost_usd=row.cost_usd,
                price_version=row.price_version,
                created_at=row.created_at,
            )
            for row in rows
        ]
