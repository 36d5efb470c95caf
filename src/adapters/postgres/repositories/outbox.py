import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import channels, messages, outbox
from domain.outbox import NEVER, OutboxEntry


class PostgresOutboxRepository(Repository):
    async def due(self, now: dt.datetime, limit: int, channel_kind: str) -> Sequence[OutboxEntry]:
        await self._system()
        query = (
            self._undelivered(sa.select(OutboxEntry), channel_kind)
            .where(outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(of=outbox, skip_locked=True)
        )
        return (await self.session.scalars(query)).all()

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        return await self._count(channel_kind, messages.c.created_at < before, outbox.c.next_attempt_at < NEVER)

    async def count_given_up(self, since: dt.datetime, channel_kind: str) -> int:
        return await self._count(channel_kind, messages.c.created_at >= since, outbox.c.next_attempt_at == NEVER)

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        theirs = sa.select(messages.c.id).where(messages.c.tenant_id == tenant_id, messages.c.conversation_id.in_(conversation_ids))
        return await self._affected(sa.delete(outbox).where(outbox.c.tenant_id == tenant_id, outbox.c.message_id.in_(theirs)))

    async def _count(self, channel_kind: str, *conditions: sa.ColumnElement[bool]) -> int:
        await self._system()
        query = self._undelivered(sa.select(sa.func.count()).select_from(outbox), channel_kind).where(*conditions)
        return await self.session.scalar(query) or 0

    @staticmethod
    def _undelivered(query: sa.Select, channel_kind: str) -> sa.Select:
        return (
            query.join(messages, messages.c.id == outbox.c.message_id)
            .join(channels, channels.c.id == messages.c.channel_id)
            .where(outbox.c.delivered_at.is_(None), channels.c.kind == channel_kind)
        )
