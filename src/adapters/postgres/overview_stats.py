import datetime as dt
import uuid
from collections.abc import Sequence

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.row_security import tenant_connection
from adapters.postgres.tables import escalations, messages, trial_classes
from application.report_overview import DailyMessages, EscalationAnswer, TrialClassCounts
from domain.message import Author, Direction
from domain.trial_class import TrialClassStatus


@attrs.define
class PostgresOverviewStats:
    """Reads on its own connection, outside any unit of work: figures, never entities."""

    engine: AsyncEngine

    async def messages_per_day(self, tenant_id: uuid.UUID, timezone: str, since: dt.datetime) -> Sequence[DailyMessages]:
        m = messages.c
        day = sa.cast(sa.func.timezone(timezone, m.created_at), sa.Date).label("day")
        query = (
            sa.select(
                day,
                sa.func.count().filter(m.direction == Direction.INBOUND.value).label("inbound"),
                sa.func.count().filter(m.direction == Direction.OUTBOUND.value).label("outbound"),
            )
            .where(m.tenant_id == tenant_id, m.created_at >= since)
            .group_by(day)
            .order_by(day)
        )
        async with tenant_connection(self.engine, tenant_id) as connection:
            return [DailyMessages(row.day, row.inbound, row.outbound) for row in await connection.execute(query)]

    async def escalation_answers(self, tenant_id: uuid.UUID, since: dt.datetime) -> Sequence[EscalationAnswer]:
        e, m = escalations.c, messages.c
        answered_at = (
            sa.select(sa.func.min(m.created_at))
            .where(
                m.tenant_id == tenant_id,
                m.conversation_id == e.conversation_id,
                m.author == Author.STAFF.value,
                m.created_at >= e.created_at,
            )
            .scalar_subquery()
        )
        query = sa.select(e.created_at, answered_at.label("answered_at")).where(e.tenant_id == tenant_id, e.created_at >= since)
        async with tenant_connection(self.engine, tenant_id) as connection:
            rows = await connection.execute(query.order_by(e.created_at))
            return [EscalationAnswer(row.created_at, row.answered_at) for row in rows]

    async def trial_classes(self, tenant_id: uuid.UUID, since: dt.datetime, until: dt.datetime) -> TrialClassCounts:
        t = trial_classes.c
        held = sa.and_(t.starts_at >= since, t.starts_at < until)
        query = sa.select(
            sa.func.count().filter(t.created_at >= since, t.created_at < until).label("booked"),
            sa.func.count().filter(held, t.status == TrialClassStatus.ATTENDED.value).label("attended"),
            sa.func.count().filter(held, t.status == TrialClassStatus.NO_SHOW.value).label("no_show"),
        ).where(t.tenant_id == tenant_id)
        async with tenant_connection(self.engine, tenant_id) as connection:
            row = (await connection.execute(query)).one()
            return TrialClassCounts(booked=row.booked, attended=row.attended, no_show=row.no_show)
