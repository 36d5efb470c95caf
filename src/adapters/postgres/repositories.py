import datetime as dt
import uuid
from collections.abc import Sequence

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.postgres.tables import channels, clients, conversations, messages, outbox
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation, ConversationStatus
from domain.escalation import Escalation
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import NEVER, OutboxEntry
from domain.phone import Phone
from domain.tenant import Tenant
from domain.trial_class import TrialClass, TrialClassStatus


_CONVERSATION_FIELDS = {"id": "id", "tenant_id": "tenant_id", "client_id": "client_id", "status": "status",
                        "paused_until": "paused_until", "flow_state": "flow", "created_at": "created_at"}


@attrs.define
class _Repository:
    session: AsyncSession

    def add(self, entity: object) -> None:
        self.session.add(entity)


class PostgresTenantRepository(_Repository):
    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def by_slug(self, slug: str) -> Tenant | None:
        return await self.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))


class PostgresChannelRepository(_Repository):
    async def by_name(self, name: str) -> Channel | None:
        return await self.session.scalar(sa.select(Channel).where(Channel.name == name))

    async def get(self, channel_id: uuid.UUID) -> Channel | None:
        return await self.session.get(Channel, channel_id)


class PostgresClientRepository(_Repository):
    async def add_or_get(self, client: Client) -> Client:
        values = {c.key: getattr(client, c.key) for c in clients.columns}
        await self.session.execute(insert(clients).values(values).on_conflict_do_nothing(index_elements=["tenant_id", "phone"]))
        return await self.by_phone(client.tenant_id, client.phone)

    async def by_phone(self, tenant_id: uuid.UUID, phone: Phone) -> Client | None:
        return await self.session.scalar(sa.select(Client).where(Client.tenant_id == tenant_id, Client.phone == phone))

    async def by_lid(self, tenant_id: uuid.UUID, lid: str) -> Client | None:
        return await self.session.scalar(sa.select(Client).where(Client.tenant_id == tenant_id, Client.lid == lid))

    async def get(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        return await self.session.scalar(sa.select(Client).where(Client.tenant_id == tenant_id, Client.id == client_id))


class PostgresConversationRepository(_Repository):
    async def add_or_get(self, conversation: Conversation) -> Conversation:
        await self.session.flush()
        values = {column: getattr(conversation, attribute) for column, attribute in _CONVERSATION_FIELDS.items()}
        await self.session.execute(
            insert(conversations).values(values).on_conflict_do_nothing(
                index_elements=["client_id"], index_where=sa.text("status <> 'closed'")
            )
        )
        return await self.latest_for_client(conversation.tenant_id, conversation.client_id)

    async def latest_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Conversation | None:
        return await self.session.scalar(
            sa.select(Conversation)
            .where(
                Conversation.tenant_id == tenant_id,
                Conversation.client_id == client_id,
                Conversation.status != ConversationStatus.CLOSED,
            )
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )

    async def get(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None:
        return await self.session.scalar(
            sa.select(Conversation).where(Conversation.tenant_id == tenant_id, Conversation.id == conversation_id)
        )

    def _one(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> sa.Update:
        return sa.update(conversations).where(conversations.c.tenant_id == tenant_id, conversations.c.id == conversation_id)

    async def inbound_version(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> int:
        query = sa.select(conversations.c.inbound_version).where(
            conversations.c.tenant_id == tenant_id, conversations.c.id == conversation_id
        )
        return await self.session.scalar(query) or 0

    async def finish_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, version: int) -> bool:
        await self.session.flush()
        result = await self.session.execute(
            self._one(tenant_id, conversation_id)
            .where(conversations.c.inbound_version == version)
            .values(pending_since=None, due_at=None, claimed_until=None)
        )
        return result.rowcount == 1

    async def claim_due(
        self, now: dt.datetime, lease: dt.timedelta, limit: int, channel_kind: str
    ) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
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
        await self.session.execute(self._one(tenant_id, conversation_id).values(claimed_until=None))

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        query = sa.select(sa.func.count()).select_from(conversations).where(conversations.c.due_at < before, _waiting_on(channel_kind))
        return await self.session.scalar(query)


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


class PostgresStatusChangeRepository(_Repository):
    """Appends only: the audit trail is read by people (and, later, the dashboard), not by use cases."""


class PostgresMessageRepository(_Repository):
    async def add_unique(self, message: Message) -> bool:
        # The session flushes pending objects first: the conversation this message belongs to may be new.
        await self.session.flush()
        values = {column.key: getattr(message, column.key) for column in messages.columns if column.key != "seq"}
        inserted = await self.session.scalar(
            insert(messages).values(values).on_conflict_do_nothing(index_elements=["channel_id", "channel_message_id"]).returning(messages.c.id)
        )
        return inserted is not None

    def _ordered(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> sa.Select:
        return (
            sa.select(Message)
            .where(Message.tenant_id == tenant_id, Message.conversation_id == conversation_id)
            .order_by(messages.c.created_at, messages.c.seq)
        )

    async def awaiting_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        newest = (
            self._ordered(tenant_id, conversation_id)
            .where(Message.direction == Direction.INBOUND, Message.status == MessageStatus.RECEIVED)
            .order_by(None)
            .order_by(messages.c.created_at.desc(), messages.c.seq.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.scalars(newest)).all()))

    async def mark_processed(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, route: str) -> int:
        result = await self.session.execute(
            sa.update(messages)
            .where(
                messages.c.tenant_id == tenant_id, messages.c.conversation_id == conversation_id,
                messages.c.direction == Direction.INBOUND.value, messages.c.status == MessageStatus.RECEIVED.value,
            )
            .values(status=MessageStatus.PROCESSED.value, route=route)
        )
        return result.rowcount

    async def recent(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        latest = (
            self._ordered(tenant_id, conversation_id)
            .where(Message.status != MessageStatus.RECEIVED)
            .order_by(None)
            .order_by(messages.c.created_at.desc(), messages.c.seq.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.scalars(latest)).all()))

    async def get(self, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        return await self.session.scalar(sa.select(Message).where(Message.tenant_id == tenant_id, Message.id == message_id))

    async def by_channel_message_id(self, channel_id: uuid.UUID, channel_message_id: str) -> Message | None:
        query = sa.select(Message).where(Message.channel_id == channel_id, Message.channel_message_id == channel_message_id)
        return await self.session.scalar(query)

    async def in_flight(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, text: str) -> Message | None:
        query = self._ordered(tenant_id, conversation_id).where(
            Message.author == Author.BOT, Message.channel_message_id.is_(None), Message.text == text
        )
        return await self.session.scalar(query.limit(1))


class PostgresEscalationRepository(_Repository):
    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Escalation]:
        query = sa.select(Escalation).where(Escalation.tenant_id == tenant_id, Escalation.conversation_id == conversation_id)
        return (await self.session.scalars(query.order_by(Escalation.created_at))).all()


class PostgresOutboxRepository(_Repository):
    async def due(self, now: dt.datetime, limit: int, channel_kind: str) -> Sequence[OutboxEntry]:
        query = (
            sa.select(OutboxEntry)
            .join(Message, Message.id == OutboxEntry.message_id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(OutboxEntry.delivered_at.is_(None), OutboxEntry.next_attempt_at <= now, Channel.kind == channel_kind)
            .order_by(OutboxEntry.next_attempt_at)
            .limit(limit)
            .with_for_update(of=OutboxEntry, skip_locked=True)
        )
        return (await self.session.scalars(query)).all()

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        return await self._count(channel_kind, Message.created_at < before, OutboxEntry.next_attempt_at < NEVER)

    async def count_given_up(self, since: dt.datetime, channel_kind: str) -> int:
        return await self._count(channel_kind, Message.created_at >= since, OutboxEntry.next_attempt_at == NEVER)

    async def _count(self, channel_kind: str, *conditions: sa.ColumnElement[bool]) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(OutboxEntry)
            .join(Message, Message.id == OutboxEntry.message_id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(OutboxEntry.delivered_at.is_(None), Channel.kind == channel_kind, *conditions)
        )
        return await self.session.scalar(query)


class PostgresTrialClassRepository(_Repository):
    async def serialize_booking(self, tenant_id: uuid.UUID, client_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> None:
        # Transaction-scoped advisory locks, always client first then class, so two bookings can
        # only wait on each other, never deadlock.
        for key in (f"trial:client:{client_id}", f"trial:class:{tenant_id}:{modality}:{starts_at.astimezone(dt.UTC).isoformat()}"):
            await self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))

    async def confirmed_in_class(self, tenant_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> int:
        query = sa.select(sa.func.count()).select_from(TrialClass).where(
            TrialClass.tenant_id == tenant_id,
            TrialClass.modality == modality,
            TrialClass.starts_at == starts_at,
            TrialClass.status == TrialClassStatus.CONFIRMED,
        )
        return await self.session.scalar(query)

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[TrialClass]:
        query = sa.select(TrialClass).where(TrialClass.tenant_id == tenant_id, TrialClass.client_id == client_id)
        return (await self.session.scalars(query.order_by(TrialClass.starts_at))).all()

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[TrialClass]:
        query = sa.select(TrialClass).where(TrialClass.tenant_id == tenant_id, TrialClass.conversation_id == conversation_id)
        return (await self.session.scalars(query.order_by(TrialClass.starts_at))).all()
