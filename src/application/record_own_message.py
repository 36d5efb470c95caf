import datetime as dt
from enum import StrEnum

import attrs

from application.clock import Clock
from application.errors import UnknownChannel
from application.escalate_to_human import human_pause
from application.unit_of_work import UnitOfWork
from domain.address import Address, addresses_of
from domain.channel import Channel, ChannelKind
from domain.client import Client
from domain.conversation import Conversation
from domain.message import Author, Direction, Message, MessageStatus
from domain.phone import Phone


@attrs.frozen
class OwnMessage:
    """A message sent from the center's own number, as the channel reports it."""

    channel: str
    recipient: Phone
    text: str | None
    channel_message_id: str
    sent_at: dt.datetime
    # Where it went on this kind of channel (None: the phone's digits), and the recipient's
    # other addresses the channel named (WhatsApp's @lid alias beside a number).
    address: str | None = None
    aliases: tuple[str, ...] = ()

    def addresses(self, kind: ChannelKind) -> list[Address]:
        return addresses_of(kind, self.address or self.recipient.digits, self.aliases)


class OwnMessageOutcome(StrEnum):
    BOT_ECHO = "bot_echo"  # the bot's own reply coming back
    STAFF = "staff"  # staff wrote: the bot steps back
    RESUMED = "resumed"  # staff typed the resume keyword: the bot is back


@attrs.define
class RecordOwnMessage:
    """Tells the bot's own replies from staff typing on the center's phone. Staff messages are kept
    in the history (the bot reads them once it is back) and hand the conversation to the human
    for the center's pause (`front_desk.human_pause_hours`, else `pause`); the resume keyword
    hands it back."""

    uow: UnitOfWork
    clock: Clock
    pause: dt.timedelta
    resume_keyword: str = "#bot"

    async def execute(self, own: OwnMessage) -> OwnMessageOutcome:
        channel = await self.uow.channels.by_name(own.channel)
        if channel is None:
            raise UnknownChannel(f"no channel named {own.channel!r}")
        if await self.uow.messages.by_channel_message_id(channel.id, own.channel_message_id):
            return OwnMessageOutcome.BOT_ECHO
        conversation = await self._conversation(channel, own)
        text = (own.text or "").strip()
        # The echo can beat sendText's own response: then the id is not stored yet, but the text
        # of a reply in flight to this member is. The echo proves the send went out: its id is
        # kept now, for the acks that may also come first, and for a sender that died meanwhile.
        if text and (reply := await self.uow.messages.in_flight(channel.tenant_id, conversation.id, text)):
            reply.mark_sent(own.channel_message_id)
            await self.uow.commit()
            return OwnMessageOutcome.BOT_ECHO
        now = self.clock.now()
        stored = await self.uow.messages.add_unique(
            Message(
                tenant_id=channel.tenant_id,
                conversation_id=conversation.id,
                channel_id=channel.id,
                direction=Direction.OUTBOUND,
                author=Author.STAFF,
                text=text or "[mídia]",
                channel_message_id=own.channel_message_id,
                status=MessageStatus.SENT,
                created_at=own.sent_at,
            )
        )
        if not stored:
            return OwnMessageOutcome.STAFF
        if text.casefold() == self.resume_keyword.casefold():
            change = conversation.resume(now, f"staff typed {self.resume_keyword} on the phone")
            outcome = OwnMessageOutcome.RESUMED
        else:
            tenant = await self.uow.tenants.get(channel.tenant_id)
            pause = human_pause(tenant, self.pause) if tenant else self.pause
            change = conversation.take_over(now, pause, "staff wrote from the phone")
            outcome = OwnMessageOutcome.STAFF
        if change:
            self.uow.status_changes.add(change)
        await self.uow.commit()
        return outcome

    async def _conversation(self, channel: Channel, own: OwnMessage) -> Conversation:
        tenant_id, addresses = channel.tenant_id, own.addresses(channel.kind)
        client = None
        for address in addresses:
            client = client or await self.uow.clients.by_address(tenant_id, address)
        client = client or await self.uow.clients.by_phone(tenant_id, own.recipient)
        if client is None:
            client = await self.uow.clients.add_or_get(Client(tenant_id=tenant_id, phone=own.recipient))
        await self.uow.clients.attach(tenant_id, client.id, addresses)
        conversation = await self.uow.conversations.latest_for_client(tenant_id, client.id)
        if conversation is None:
            conversation = await self.uow.conversations.add_or_get(
                Conversation(tenant_id=tenant_id, client_id=client.id, created_at=self.clock.now())
            )
        return conversation
