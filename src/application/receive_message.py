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


@attrs.frozen
class InboundMessage:
    """A member's message as a channel delivered it."""

    channel: str  # the channel's unique name
    sender: Phone
    text: str
    channel_message_id: str
    sent_at: dt.datetime | None = None  # the channel's own timestamp, when it gives one
    sender_name: str | None = None


@attrs.frozen
class Received:
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    stored: bool  # False for a duplicate delivery of a message already stored


@attrs.define
class ReceiveMessage:
    """Persists an inbound message at once, idempotently, so that it waits for its turn."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, inbound: InboundMessage) -> Received:
        channel = await self.uow.channels.by_name(inbound.channel)
        if channel is None:
            raise UnknownChannel(f"no channel named {inbound.channel!r}")
        now = self.clock.now()
        client = await self.uow.clients.by_phone(channel.tenant_id, inbound.sender)
        if client is None:
            client = Client(tenant_id=channel.tenant_id, phone=inbound.sender, name=inbound.sender_name)
            self.uow.clients.add(client)
        conversation = await self.uow.conversations.latest_for_client(channel.tenant_id, client.id)
        if conversation is None:
            conversation = Conversation(tenant_id=channel.tenant_id, client_id=client.id, created_at=now)
            self.uow.conversations.add(conversation)
        stored = await self.uow.messages.add_inbound(
            Message(
                tenant_id=channel.tenant_id,
                conversation_id=conversation.id,
                channel_id=channel.id,
                direction=Direction.INBOUND,
                author=Author.MEMBER,
                text=inbound.text,
                channel_message_id=inbound.channel_message_id,
                status=MessageStatus.RECEIVED,
                created_at=inbound.sent_at or now,
            )
        )
        await self.uow.commit()
        return Received(tenant_id=channel.tenant_id, conversation_id=conversation.id, stored=stored)
