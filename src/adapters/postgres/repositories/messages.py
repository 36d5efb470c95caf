import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import messages
from domain.channel import Channel
from domain.message import Direction, Message, MessageStatus


class PostgresMessageRepository(Repository):
    async def add_unique(self, message: Message) -> bool:
        # The session flushes pending objects first: the conversation this message belongs to may be new.
        await self._tenant(message.tenant_id)
        await self.session.flush()
        values = {column.key: getattr(message, column.key) for column in messages.columns if column.key != "seq"}
        inserted = await self.session.scalar(
            insert(messages)
            .values(values)
            .on_conflict_do_nothing(index_elements=["channel_id", "channel_message_id"])
            .returning(messages.c.id)
        )
        return inserted is not None

    def _in(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> sa.Select:
        return sa.select(Message).where(messages.c.tenant_id == tenant_id, messages.c.conversation_id == conversation_id)

    async def _newest(self, query: sa.Select, limit: int) -> Sequence[Message]:
        """The newest `limit` messages `query` finds, oldest first."""
        newest = query.order_by(messages.c.created_at.desc(), messages.c.seq.desc()).limit(limit)
        return list(reversed((await self.session.scalars(newest)).all()))

    async def awaiting_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        await self._tenant(tenant_id)
        query = self._in(tenant_id, conversation_id).where(
            messages.c.direction == Direction.INBOUND.value, messages.c.status == MessageStatus.RECEIVED.value
        )
        return await self._newest(query, limit)

    async def mark_processed(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, route: str) -> int:
        await self._tenant(tenant_id)
        return await self._affected(
            sa.update(messages)
            .where(
                messages.c.tenant_id == tenant_id,
                messages.c.conversation_id == conversation_id,
                messages.c.direction == Direction.INBOUND.value,
                messages.c.status == MessageStatus.RECEIVED.value,
            )
            .values(status=MessageStatus.PROCESSED.value, route=route)
        )

    async def recent(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        await self._tenant(tenant_id)
        query = self._in(tenant_id, conversation_id).where(messages.c.status != MessageStatus.RECEIVED.value)
        return await self._newest(query, limit)

    async def get(self, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        await self._tenant(tenant_id)
        return await self.session.scalar(sa.select(Message).where(messages.c.tenant_id == tenant_id, messages.c.id == message_id))

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Message]:
        await self._tenant(tenant_id)
        query = self._in(tenant_id, conversation_id).order_by(messages.c.created_at, messages.c.seq)
        return (await self.session.scalars(query)).all()

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(
            sa.delete(messages).where(messages.c.tenant_id == tenant_id, messages.c.conversation_id.in_(conversation_ids))
        )

    async def by_channel_message_id(self, channel_id: uuid.UUID, channel_message_id: str) -> Message | None:
        # A channel belongs to one tenant: its messages are that tenant's.
        channel = await self.session.get(Channel, channel_id)
        if channel is None:
            return None
        await self._tenant(channel.tenant_id)
        query = sa.select(Message).where(messages.c.channel_id == channel_id, messages.c.channel_message_id == channel_message_id)
        return await self.session.scalar(query)

    async def in_flight(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, text: str) -> Message | None:
        await self._tenant(tenant_id)
        query = self._in(tenant_id, conversation_id).where(
            messages.c.direction == Direction.OUTBOUND.value, messages.c.channel_message_id.is_(None), messages.c.text == text
        )
        return await self.session.scalar(query.order_by(messages.c.created_at, messages.c.seq).limit(1))
