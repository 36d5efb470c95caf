import uuid

import attrs

from application.clock import Clock
from application.errors import UnknownChannel
from application.inbox import BufferPolicy, ChannelDirectory, InboundMessage, Inbox
from domain.message import clean_text

# What a media message without text reads as in the history.
MEDIA_LABELS = {"audio": "[áudio]", "image": "[imagem]", "video": "[vídeo]", "document": "[documento]", "sticker": "[figurinha]"}


@attrs.frozen
class Received:
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    stored: bool  # False for a duplicate delivery of a message already stored


@attrs.define
class ReceiveMessage:
    """Persists an inbound message at once, idempotently on the channel's message id, and adds it
    to the conversation's buffer. No engine work: the caller answers the channel right after."""

    inbox: Inbox
    channels: ChannelDirectory
    clock: Clock
    buffer: BufferPolicy

    async def execute(self, inbound: InboundMessage) -> Received:
        channel = await self.channels.find(inbound.channel)
        if channel is None:
            raise UnknownChannel(f"no channel named {inbound.channel!r}")
        if not channel.enabled:
            raise UnknownChannel(f"channel {inbound.channel!r} is disabled")
        text = clean_text(inbound.text or "")
        has_text = bool(text.strip())
        stored = await self.inbox.store(
            channel,
            inbound,
            text=text if has_text else MEDIA_LABELS.get(inbound.media or "", "[mídia]"),
            media=None if has_text else inbound.media,
            arrived_at=self.clock.now(),
            buffer=self.buffer,
        )
        return Received(tenant_id=channel.tenant_id, conversation_id=stored.conversation_id, stored=stored.stored)
