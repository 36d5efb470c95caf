import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.row_security import in_tenant, tenant_connection
from application.conversation_views import (
    ConversationSummary,
    EscalationView,
    ModelCallView,
    Transcript,
    TranscriptLine,
)
from domain.conversation import ConversationStatus
from domain.escalation import EscalationReason
from domain.message import Author, MessageStatus
from domain.phone import Phone

_WAITING = ConversationStatus.WAITING_HUMAN.value

# The newest message of each conversation and its oldest open escalation, one lateral lookup each
# (messages are indexed by conversation and time). Staff owe an answer to a member whose message is
# the newest one, or who waits on an escalation.
_SUMMARIES = f"""
    SELECT c.id, c.status, c.paused_until, k.name, k.phone, last.text AS last_text, last.created_at AS last_at,
           CASE WHEN c.status = '{_WAITING}' AND esc.created_at IS NOT NULL THEN esc.created_at
                WHEN c.status <> 'closed' AND last.direction = 'in' THEN last.created_at END AS waiting_since
    FROM conversations c
    JOIN clients k ON k.id = c.client_id
    LEFT JOIN LATERAL (
        SELECT m.text, m.created_at, m.direction FROM messages m
        WHERE m.conversation_id = c.id AND m.tenant_id = c.tenant_id
        ORDER BY m.created_at DESC, m.seq DESC LIMIT 1
    ) last ON true
    LEFT JOIN LATERAL (
        SELECT min(e.created_at) AS created_at FROM escalations e
        WHERE e.conversation_id = c.id AND e.tenant_id = c.tenant_id AND e.resolved_at IS NULL
    ) esc ON true
    WHERE c.tenant_id = :tenant
"""

_INBOX = sa.text(
    _SUMMARIES
    + f"""
    ORDER BY (c.status = '{_WAITING}') DESC,
             CASE WHEN c.status = '{_WAITING}' THEN COALESCE(esc.created_at, last.created_at, c.created_at) END ASC,
             COALESCE(last.created_at, c.created_at) DESC, c.id
    LIMIT :limit
    """
)
_ONE = sa.text(_SUMMARIES + " AND c.id = :conversation")
_WAITING_COUNT = sa.text(f"SELECT count(*) FROM conversations WHERE tenant_id = :tenant AND status = '{_WAITING}'")
_LINES = sa.text(
    """
    SELECT m.id, m.author, m.text, m.created_at, m.route, m.status, m.delivery_status,
           CASE WHEN o.delivered_at IS NULL THEN o.last_error END AS send_error
    FROM messages m LEFT JOIN outbox o ON o.message_id = m.id
    WHERE m.tenant_id = :tenant AND m.conversation_id = :conversation
    ORDER BY m.created_at, m.seq
    """
)
_CALLS = sa.text(
    """
    SELECT message_id, model, decision, outcome, prompt_tokens + completion_tokens AS tokens
    FROM model_calls WHERE tenant_id = :tenant AND conversation_id = :conversation AND message_id IS NOT NULL
    ORDER BY id
    """
)
_ESCALATIONS = sa.text(
    """
    SELECT id, reason, subject, created_at, resolved_at FROM escalations
    WHERE tenant_id = :tenant AND conversation_id = :conversation ORDER BY created_at
    """
)


def _summary(row: Any) -> ConversationSummary:
    return ConversationSummary(
        id=row.id,
        status=ConversationStatus(row.status),
        member_name=row.name,
        phone=Phone(row.phone),
        last_message=row.last_text,
        last_message_at=row.last_at,
        waiting_since=row.waiting_since,
    )


@attrs.define
class PostgresConversationViews:
    engine: AsyncEngine

    async def inbox(self, tenant_id: uuid.UUID, limit: int) -> Sequence[ConversationSummary]:
        async with tenant_connection(self.engine, tenant_id) as connection:
            rows = await connection.execute(_INBOX, {"tenant": tenant_id, "limit": limit})
            return [_summary(row) for row in rows]

    async def waiting(self, tenant_id: uuid.UUID) -> int:
        async with tenant_connection(self.engine, tenant_id) as connection:
            return int(await connection.scalar(_WAITING_COUNT, {"tenant": tenant_id}) or 0)

    async def transcript(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Transcript | None:
        scope = {"tenant": tenant_id, "conversation": conversation_id}
        async with self.engine.connect() as connection, connection.begin():
            # One snapshot for the four reads: a reply sent meanwhile shows everywhere or nowhere.
            await connection.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            await connection.execute(in_tenant(tenant_id))  # after SET TRANSACTION, which must come first
            row = (await connection.execute(_ONE, scope)).first()
            if row is None:
                return None
            return Transcript(
                summary=_summary(row),
                paused_until=row.paused_until,
                lines=await self._lines(connection, scope),
                escalations=[
                    EscalationView(
                        id=e.id, reason=EscalationReason(e.reason), subject=e.subject, at=e.created_at, resolved_at=e.resolved_at
                    )
                    for e in await connection.execute(_ESCALATIONS, scope)
                ],
            )

    async def _lines(self, connection: AsyncConnection, scope: dict[str, uuid.UUID]) -> list[TranscriptLine]:
        calls: dict[uuid.UUID, list[ModelCallView]] = defaultdict(list)
        for call in await connection.execute(_CALLS, scope):
            calls[call.message_id].append(ModelCallView(model=call.model, decision=call.decision, outcome=call.outcome, tokens=call.tokens))
        return [
            TranscriptLine(
                id=line.id,
                author=Author(line.author),
                text=line.text,
                at=line.created_at,
                route=line.route,
                status=MessageStatus(line.status),
                delivery_status=line.delivery_status,
                send_error=line.send_error,
                model_calls=tuple(calls.get(line.id, ())),
            )
            for line in await connection.execute(_LINES, scope)
        ]
