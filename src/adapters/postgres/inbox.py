import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs
from asyncpg import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres import row_security
from adapters.postgres.errors import CONFLICTS, UNIQUE_VIOLATION, is_outage, retry_conflicts, unavailable
from adapters.postgres.group_commit import GroupCommit
from application.errors import StorageUnavailable
from application.inbox import BufferPolicy, InboundMessage, Stored
from domain.channel import Channel

# One statement for the webhook's hot path. Each step is an upsert, so concurrent deliveries for
# the same member meet on the unique keys instead of racing: the client by the address the member
# wrote from (on this kind of channel), else by (tenant, phone), the open conversation by its
# partial unique index, the message by (channel, message id). The buffer is set on the
# conversation's insert or bump (a statement cannot update a row its own CTE wrote). A duplicate
# delivery bumps the buffer too: harmless, the turn it may cause finds nothing new.
# PostgreSQL draws the new rows' ids: three uuid4() a message were near a tenth of the web process.
# An address another client already holds stays theirs (the message is stored all the same): two
# numbers claiming one @lid alias is the channel's confusion, not a reason to lose the message.
# The statement sets its own tenant for row-level security (`row_security`), first: a batch runs
# many members' statements, of any tenants, in one transaction, and a statement of its own would
# cost a round trip. `scope` is materialized (a volatile function), and every read of a tenant's
# table here hangs off its row: `known` is a subquery per `scope` row (never pulled up into a
# join the planner could reorder), the client insert selects from `scope`, and the rest from
# those. So the setting is made before any row of this statement is read or written.
_STORE_SQL = f"""
    WITH scope AS MATERIALIZED (
        SELECT set_config('{row_security.TENANT}', CAST(CAST(:tenant_id AS uuid) AS text), true) AS tenant
    ), known AS (
        SELECT id FROM (
            SELECT (SELECT client_id FROM client_addresses
                    WHERE tenant_id = CAST(scope.tenant AS uuid) AND kind = :kind AND address = :address) AS id
            FROM scope
        ) AS found
        WHERE id IS NOT NULL
    ), created AS (
        INSERT INTO clients (id, tenant_id, phone, name)
        SELECT gen_random_uuid(), CAST(scope.tenant AS uuid), CAST(:phone AS varchar), CAST(:name AS text)
        FROM scope
        WHERE NOT EXISTS (SELECT 1 FROM known)
        ON CONFLICT (tenant_id, phone) DO UPDATE SET phone = clients.phone
        RETURNING id
    ), client AS (
        SELECT id FROM known UNION ALL SELECT id FROM created
    ), address AS (
        INSERT INTO client_addresses (tenant_id, client_id, kind, address)
        SELECT :tenant_id, client.id, :kind, value FROM client, unnest(CAST(:addresses AS varchar[])) AS value
        ON CONFLICT DO NOTHING
    ), buffer AS (
        -- The center's own window (`front_desk.buffer_window_seconds`), else the deployment's; the
        -- longest wait is never shorter than the window.
        SELECT quiet, GREATEST(quiet, CAST(:max_wait AS interval)) AS longest FROM (
            SELECT COALESCE(CAST(front_desk->>'buffer_window_seconds' AS float8) * interval '1 second',
                            CAST(:window AS interval)) AS quiet
            FROM tenants WHERE id = :tenant_id
        ) AS chosen
    ), conversation AS (
        INSERT INTO conversations (id, tenant_id, client_id, status, flow_state, created_at,
                                   inbound_version, pending_since, due_at)
        SELECT gen_random_uuid(), :tenant_id, client.id, 'bot', '{{}}'::jsonb, :arrived_at,
               1, :arrived_at, CAST(:arrived_at AS timestamptz) + buffer.quiet
        FROM client, buffer
        ON CONFLICT (client_id) WHERE status <> 'closed' DO UPDATE SET
            inbound_version = conversations.inbound_version + 1,
            pending_since = COALESCE(conversations.pending_since, EXCLUDED.pending_since),
            due_at = LEAST(CAST(:arrived_at AS timestamptz) + (SELECT quiet FROM buffer),
                           COALESCE(conversations.pending_since, EXCLUDED.pending_since) + (SELECT longest FROM buffer))
        RETURNING id
    ), message AS (
        INSERT INTO messages (id, tenant_id, conversation_id, channel_id, direction, author, text, media,
                              channel_message_id, status, created_at)
        SELECT gen_random_uuid(), :tenant_id, conversation.id, :channel_id, 'in', 'member', :text, :media,
               :channel_message_id, 'received', :sent_at
        FROM conversation
        ON CONFLICT (channel_id, channel_message_id) DO NOTHING
        RETURNING conversation_id
    )
    SELECT conversation.id AS conversation_id, EXISTS (SELECT 1 FROM message) AS stored FROM conversation
"""


def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """asyncpg takes $1, $2 ...: the named parameters above, numbered in order of first use."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<!:):([a-z_]+)", number, sql), tuple(names)


_STORE, _PARAMETERS = _positional(_STORE_SQL)


_TENANT, _PHONE = _PARAMETERS.index("tenant_id"), _PARAMETERS.index("phone")

# Besides deadlocks: a concurrent transaction committed the same new @lid for another number
# between this statement's check and its insert; run again, the check sees it.
_RETRIED = CONFLICTS | {UNIQUE_VIOLATION}


@attrs.define
class PostgresInbox:
    """Runs the statement straight on the asyncpg connection of the engine's pool, no ORM on the
    path. Concurrent stores share transactions (`GroupCommit`): a batch is one pipelined
    `fetchmany`, which asyncpg ends with a single Sync, so PostgreSQL runs it as one implicit
    transaction with one commit flush. Items of a batch see each other's writes, so two messages of
    one member in a batch meet on the unique keys exactly as two transactions one after the other
    would. When a batch fails, its stores are retried alone, in autocommit, unless the database
    is unavailable (`StorageUnavailable`)."""

    engine: AsyncEngine
    max_batch: int = 16
    max_in_flight: int = 4
    _commits: GroupCommit[tuple, Stored] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._commits = GroupCommit(
            self._store_batch,
            self._store_alone,
            lambda error: not isinstance(error, StorageUnavailable),
            self.max_batch,
            self.max_in_flight,
        )

    async def store(
        self, channel: Channel, message: InboundMessage, text: str, media: str | None, arrived_at: dt.datetime, buffer: BufferPolicy
    ) -> Stored:
        values = {
            "tenant_id": channel.tenant_id,
            "channel_id": channel.id,
            "phone": message.sender.digits,
            "name": message.sender_name,
            "kind": str(channel.kind),
            "address": message.reply_address,
            "addresses": [address.value for address in message.addresses(channel.kind)],
            "text": text,
            "media": media,
            "channel_message_id": message.channel_message_id,
            "sent_at": message.sent_at or arrived_at,
            "arrived_at": arrived_at,
            "window": buffer.window,
            "max_wait": buffer.max_wait,
        }
        return await self._commits.submit(tuple(values[name] for name in _PARAMETERS))

    async def _store_batch(self, items: Sequence[tuple]) -> list[Stored]:
        # Every batch takes the row locks of its members in the same order, so two batches in
        # flight mostly wait for each other instead of deadlocking. Not always: the message keys
        # of one id sent for two numbers, or a turn's locks, can still meet in the other order.
        order = sorted(range(len(items)), key=lambda i: (items[i][_TENANT], items[i][_PHONE]))
        rows = await retry_conflicts(lambda: self._fetch_many([items[i] for i in order]), states=_RETRIED)
        stored: list[Stored] = [None] * len(items)  # type: ignore[list-item]
        for i, row in zip(order, rows, strict=True):
            stored[i] = Stored(conversation_id=row["conversation_id"], stored=row["stored"])
        return stored

    async def _store_alone(self, item: tuple) -> Stored:
        row = await retry_conflicts(lambda: self._fetch_one(item), states=_RETRIED)
        return Stored(conversation_id=row["conversation_id"], stored=row["stored"])

    async def _fetch_many(self, items: Sequence[tuple]) -> list:
        async with self._driver() as driver:
            return await driver.fetchmany(_STORE, items)

    async def _fetch_one(self, item: tuple) -> Any:
        async with self._driver() as driver:
            return await driver.fetchrow(_STORE, *item)

    @contextlib.asynccontextmanager
    async def _driver(self) -> AsyncIterator[Connection]:
        """A pooled connection's asyncpg connection. SQLAlchemy does not see what asyncpg raises
        here, so this translates an outage itself, and drops every pooled connection opened before
        it, as SQLAlchemy does on a disconnect: after a restart they are all dead, and each would
        fail a webhook of its own."""
        async with self.engine.connect() as connection:
            pooled = await connection.get_raw_connection()
            driver = pooled.driver_connection
            assert driver is not None  # a connection checked out of the pool is open
            try:
                yield driver
            except Exception as error:
                if driver.is_closed() or is_outage(error):
                    self.engine.sync_engine.pool._invalidate(pooled, error)
                    raise unavailable(error) from error
                raise
