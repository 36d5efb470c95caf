"""The figures of `/metrics` that the database holds, read at scrape time: the outbox by channel
(messages out, backlog, failures) and the model calls' ledger (calls, tokens, cost).

Read, not counted in the process that did the work: the outbox is worked by any number of
workers and the ledger written by every process that calls a model, across restarts, and these
rows are the record of what happened. Each scrape aggregates both tables whole (a sequential
scan: tens of milliseconds at a few hundred thousand rows); counts only grow, except when
members' data is erased."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.row_security import system_connection
from adapters.postgres.tables import channels, messages, model_calls, outbox
from application.model_usage import OK
from domain.outbox import NEVER


@attrs.frozen
class ChannelOutbox:
    channel: str  # the channel's name (an Evolution instance)
    delivered: int
    pending: int  # to be sent or retried
    retrying: int  # pending after at least one failed attempt
    given_up: int  # refused by the channel, or out of attempts: never sent
    oldest_pending: dt.datetime | None  # when the oldest pending reply was decided


@attrs.frozen
class ModelCalls:
    model: str
    decision: str
    ok: bool
    calls: int
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    cost_usd: Decimal | None  # None when the model has no price


@attrs.define
class PostgresMetrics:
    engine: AsyncEngine

    async def outbox(self) -> Sequence[ChannelOutbox]:
        o = outbox.c
        undelivered = o.delivered_at.is_(None)
        pending = sa.and_(undelivered, o.next_attempt_at < NEVER)
        query = (
            sa.select(
                channels.c.name,
                sa.func.count().filter(o.delivered_at.is_not(None)).label("delivered"),
                sa.func.count().filter(pending).label("pending"),
                sa.func.count().filter(pending, o.last_error.is_not(None)).label("retrying"),
                sa.func.count().filter(undelivered, o.next_attempt_at == NEVER).label("given_up"),
                sa.func.min(messages.c.created_at).filter(pending).label("oldest_pending"),
            )
            .select_from(outbox.join(messages, messages.c.id == o.message_id).join(channels, channels.c.id == messages.c.channel_id))
            .group_by(channels.c.name)
            .order_by(channels.c.name)
        )
        async with system_connection(self.engine) as connection:
            return [
                ChannelOutbox(row.name, row.delivered, row.pending, row.retrying, row.given_up, row.oldest_pending)
                for row in await connection.execute(query)
            ]

    async def model_calls(self) -> Sequence[ModelCalls]:
        c = model_calls.c
        ok = (c.outcome == OK).label("ok")
        query = sa.select(
            c.model,
            c.decision,
            ok,
            sa.func.count().label("calls"),
            sa.func.sum(c.prompt_tokens).label("prompt"),
            sa.func.sum(c.cached_tokens).label("cached"),
            sa.func.sum(c.completion_tokens).label("completion"),
            sa.func.sum(c.cost_usd).label("cost"),
        ).group_by(c.model, c.decision, ok)
        async with system_connection(self.engine) as connection:
            return [
                ModelCalls(row.model, row.decision, row.ok, row.calls, row.prompt, row.cached, row.completion, row.cost)
                for row in await connection.execute(query)
            ]
