import datetime as dt
import uuid

import attrs

from application.clock import Clock
from application.errors import UnknownChannel
from application.unit_of_work import UnitOfWork
from domain.client import Client
from domain.conversation import Conversation
from domain.message import Author, Direction, Message, MessageStatus
from domain.phone import Phone

# What a media message without text reads as in the history.
MEDIA_LABELS = {"audio": "[áudio]", "image": "[imagem]", "video": "[vídeo]", "document": "[documento]", "sticker": "[figurinha]"}


@attrs.frozen
class InboundMessage:
    """A member's message as a channel delivered it."""

    channel: str  # the channel's unique name
    sender: Phone
    text: str | None  # None for media without text
    channel_message_id: str
    sent_at: dt.datetime | None = None  # the channel's own timestamp, when it gives one
    sender_name: str | None = None
    lid: str | None = None  # the sender's WhatsApp @lid alias, when the channel used it
    media: str | None = None  # "audio", "image", ... for media without text

    def __attrs_post_init__(self) -> None:
        if not (self.text and self.text.strip()) and not self.media:
            raise ValueError("an inbound message has text or media")


@attrs.frozen
class BufferPolicy:
    """How long a burst may grow before it is answered as one turn."""

    window: dt.timedelta = dt.timedelta(seconds=15)  # quiet time after the latest message
    max_wait: dt.timedelta = dt.timedelta(seconds=60)  # longest wait after the first one


@attrs.frozen
class Received:
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    stored: bool  # False for a duplicate delivery of a message already stored


@attrs.define
class ReceiveMessage:
    """Persists an inbound message at once, idempotently on the channel's message id, and adds it
    to the conversation's buffer. No engine work: the caller answers the channel right after."""

    uow: UnitOfWork
    clock: Clock
    buffer: BufferPolicy

    async def _client(self, tenant_id: uuid.UUID, inbound: InboundMessage) -> Client:
        client = await self.uow.clients.by_phone(tenant_id, inbound.sender)
        if client is None and inbound.lid:
            client = await self.uow.clients.by_lid(tenant_id, inbound.lid)
        if client is None:
            client = await self.uow.clients.add_or_get(
                Client(tenant_id=tenant_id, phone=inbound.sender, name=inbound.sender_name, lid=inbound.lid)
            )
        elif inbound.lid and client.lid != inbound.lid:
            client.lid = inbound.lid
        return client

    async def execute(self, inbound: InboundMessage) -> Received:
        channel = await self.uow.channels.by_name(inbound.channel)
        if channel is None:
            raise UnknownChannel(f"no channel named {inbound.channel!r}")
        now = self.clock.now()
        client = await self._client(channel.tenant_id, inbound)
        conversation = await self.uow.conversations.latest_for_client(channel.tenant_id, client.id)
        if conversation is None:
            conversation = await self.uow.conversations.add_or_get(
                Conversation(tenant_id=channel.tenant_id, client_id=client.id, created_at=now)
            )
        stored = await self.uow.messages.add_unique(
            Message(
                tenant_id=channel.tenant_id,
                conversation_id=conversation.id,
                channel_id=channel.id,
                direction=Direction.INBOUND,
                author=Author.MEMBER,
                text=inbound.text if inbound.text and inbound.text.strip() else MEDIA_LABELS.get(inbound.media, "[mídia]"),
                media=None if inbound.text and inbound.text.strip() else inbound.media,
                channel_message_id=inbound.channel_message_id,
                status=MessageStatus.RECEIVED,
                created_at=inbound.sent_at or now,
            )
        )
        if stored:
            await self.uow.conversations.record_inbound(channel.tenant_id, conversation.id, now, self.buffer.window, self.buffer.max_wait)
        await self.uow.commit()
        return Received(tenant_id=channel.tenant_id, conversation_id=conversation.id, stored=stored)
