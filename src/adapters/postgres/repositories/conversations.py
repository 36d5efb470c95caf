import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import channels, conversations, messages, outbox
from domain.conversation import Conversation, ConversationStatus
from domain.message import MessageStatus
from domain.outbox import NEVER

_CONVERSATION_FIELDS = {
    "id": "id",
    "tenant_id": "tenant_id",
    "client_id": "client_id",
    "status": "status",
    "paused_until": "paused_until",
    "flow_state": "flow",
    "created_at": "created_at",
}


class PostgresConversationRepository(Repository):
    async def add_or_get(self, conversation: Conversation) -> Conversation:
        await self._tenant(conversation.tenant_id)
        await self.session.flush()
        values = {column: getattr(conversation, attribute) for column, attribute in _CONVERSATION_FIELDS.items()}
        await self.session.execute(
            insert(conversations)
            .values(values)
            .on_conflict_do_nothing(index_elements=["client_id"], index_where=sa.text("status <> 'closed'"))
        )
        found = await self.latest_for_client(conversation.tenant_id, conversation.client_id)
        if found is None:  # ON CONFLICT waited for the other insert, and this statement sees it
            raise LookupError(f"conversation {conversation.id} is neither inserted nor found")
        return found

    async def latest_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Conversation | None:
        await self._tenant(tenant_id)
        return await self.session.scalar(
            sa.select(Conversation)
            .where(
                conversations.c.tenant_id == tenant_id,
                conversations.c.client_id == client_id,
                conversations.c.status != ConversationStatus.CLOSED,
            )
            .order_by(conversations.c.created_at.desc())
            .limit(1)
        )

    async def get(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None:
        await self._tenant(tenant_id)
        return await self.session.scalar(
            sa.select(Conversation).where(conversations.c.tenant_id == tenant_id, conversations.c.id == conversation_id)
        )

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[Conversation]:
        await self._tenant(tenant_id)
        query = sa.select(Conversation).where(conversations.c.tenant_id == tenant_id, conversations.c.client_id == client_id)
        return (await self.session.scalars(query.order_by(conversations.c.created_at))).all()

    async def inactive_before(self, cutoff: dt.datetime) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
        await self._system()
        newest = sa.select(sa.func.max(messages.c.created_at)).where(messages.c.conversation_id == conversations.c.id).scalar_subquery()
        query = sa.select(conversations.c.tenant_id, conversations.c.id).where(
            sa.func.coalesce(newest, conversations.c.created_at) < cutoff, conversations.c.due_at.is_(None)
        )
        return [(row.tenant_id, row.id) for row in await self.session.execute(query)]

    async def delete(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(
            sa.delete(conversations).where(conversations.c.tenant_id == tenant_id, conversations.c.id.in_(conversation_ids))
        )

    def _one(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> sa.Update:
        return sa.update(conversations).where(conversations.c.tenant_id == tenant_id, conversations.c.id == conversation_id)

    async def inbound_version(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> int:
        await self._tenant(tenant_id)
        query = sa.select(conversations.c.inbound_version).where(
            conversations.c.tenant_id == tenant_id, conversations.c.id == conversation_id
        )
        return await self.session.scalar(query) or 0

    async def finish_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, version: int) -> bool:
        await self._tenant(tenant_id)
        await self.session.flush()
        finished = await self._affected(
            self._one(tenant_id, conversation_id)
            .where(conversations.c.inbound_version == version)
            .values(pending_since=None, due_at=None, claimed_until=None)
        )
        return finished == 1

    async def claim_due(
        self, now: dt.datetime, lease: dt.timedelta, limit: int, channel_kind: str
    ) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
        await self._system()
        due = (
            sa.select(conversations.c.id)
            .where(
                conversations.c.due_at <= now,
                sa.or_(conversations.c.claimed_until.is_(None), conversations.c.claimed_until < now),
                _waiting_on(channel_kind),
                ~_reply_in_flight(),
            )
            .order_by(conversations.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claimed = await self.session.execute(
            sa.update(conversations)
            .where(conversations.c.id.in_(due))
            .values(claimed_until=now + lease)
            .returning(conversations.c.tenant_id, conversations.c.id)
        )
        return [(row.tenant_id, row.id) for row in claimed]

    async def release(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
        await self._tenant(tenant_id)
        await self.session.execute(self._one(tenant_id, conversation_id).values(claimed_until=None))

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        await self._system()
        query = sa.select(sa.func.count()).select_from(conversations).where(conversations.c.due_at < before, _waiting_on(channel_kind))
        return await self.session.scalar(query) or 0


def _reply_in_flight() -> sa.Exists:
    return (
        sa.select(outbox.c.id)
        .join(messages, messages.c.id == outbox.c.message_id)
        .where(messages.c.conversation_id == conversations.c.id, outbox.c.delivered_at.is_(None), outbox.c.next_attempt_at < NEVER)
        .exists()
    )


def _waiting_on(channel_kind: str) -> sa.Exists:
    """The conversation has received messages, not yet answered, that came through a channel of `channel_kind`."""
    return (
        sa.select(messages.c.id)
        .join(channels, channels.c.id == messages.c.channel_id)
        .where(
            messages.c.conversation_id == conversations.c.id,
            messages.c.status == MessageStatus.RECEIVED.value,
            channels.c.kind == channel_kind,
        )
        .exists()
    )
