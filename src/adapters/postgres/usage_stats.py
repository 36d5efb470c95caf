import datetime as dt
from collections.abc import Sequence

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.row_security import system_connection
from adapters.postgres.tables import model_calls, tenants
from application.model_usage import OK
from application.pricing import Tokens
from application.usage_stats import DailyCalls, Engine, TurnCount

# A turn leaves no row of its own: its member messages get the turn's route, and its reply is the
# bot's next message. So each member message belongs to the first bot message after it (a running
# minimum, newest first), a turn's route is its newest member message's, and its engine comes from
# the calls recorded for its member messages (the ledger names the turn by one of them).
_TURNS = sa.text(
    f"""
    WITH recent AS (
        SELECT m.id, m.seq, m.direction, m.route,
               MIN(CASE WHEN m.author = 'bot' THEN m.seq END)
                   OVER (PARTITION BY m.conversation_id ORDER BY m.seq DESC) AS reply_seq
        FROM messages m
        WHERE m.conversation_id IN (
            SELECT conversation_id FROM messages
            WHERE author = 'bot' AND created_at >= :since
              AND (CAST(:tenant AS varchar) IS NULL OR tenant_id = (SELECT id FROM tenants WHERE slug = :tenant)))
    ), turns AS (
        SELECT reply_seq,
               (array_agg(route ORDER BY seq DESC) FILTER (WHERE direction = 'in'))[1] AS route,
               array_agg(id) FILTER (WHERE direction = 'in') AS inbound
        FROM recent
        WHERE reply_seq IS NOT NULL
        GROUP BY reply_seq
    )
    SELECT CAST(reply.created_at AT TIME ZONE 'UTC' AS date) AS day,
           COALESCE(turns.route, '-') AS route,
           CASE WHEN calls.failed > 0 THEN '{Engine.FALLBACK}' WHEN calls.ok > 0 THEN '{Engine.MODEL}' ELSE '{Engine.OFFLINE}' END AS engine,
           count(*) AS turns
    FROM turns
    JOIN messages reply ON reply.seq = turns.reply_seq
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE outcome = '{OK}') AS ok, count(*) FILTER (WHERE outcome <> '{OK}') AS failed
        FROM model_calls WHERE message_id = ANY(turns.inbound)
    ) calls
    WHERE reply.created_at >= :since AND turns.inbound IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    """
)


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@attrs.define
class PostgresUsageStats:
    engine: AsyncEngine

    async def turns(self, tenant: str | None, since: dt.date) -> Sequence[TurnCount]:
        async with system_connection(self.engine) as connection:
            rows = await connection.execute(_TURNS, {"since": _start(since), "tenant": tenant})
            return [TurnCount(row.day, row.route, Engine(row.engine), row.turns) for row in rows]

    async def calls(self, tenant: str | None, since: dt.date) -> Sequence[DailyCalls]:
        c = model_calls.c
        day = sa.cast(sa.func.timezone("UTC", c.created_at), sa.Date).label("day")
        query = (
            sa.select(
                day,
                sa.func.count().label("calls"),
                sa.func.count().filter(c.outcome != OK).label("failed"),
                sa.func.sum(c.prompt_tokens).label("prompt"),
                sa.func.sum(c.cached_tokens).label("cached"),
                sa.func.sum(c.completion_tokens).label("completion"),
                sa.func.sum(c.cost_usd).label("cost"),
                sa.func.count().filter(c.cost_usd.is_(None)).label("unpriced"),
            )
            .where(c.created_at >= _start(since))
            .group_by(day)
            .order_by(day)
        )
        if tenant is not None:
            query = query.where(c.tenant_id == sa.select(tenants.c.id).where(tenants.c.slug == tenant).scalar_subquery())
        async with system_connection(self.engine) as connection:
            rows = await connection.execute(query)
            return [
                DailyCalls(
                    day=row.day,
                    calls=row.calls,
                    failed=row.failed,
                    tokens=Tokens(prompt=row.prompt, cached=row.cached, completion=row.completion),
                    cost_usd=row.cost,
                    unpriced=row.unpriced,
                )
                for row in rows
            ]
