import datetime as dt
import uuid
from typing import Protocol

import attrs

from domain.address import Address, addresses_of
from domain.channel import Channel, ChannelKind
from domain.client import clean_name
from domain.phone import Phone


@attrs.frozen
class InboundMessage:
    """A member's message as a channel delivered it."""

    channel: str  # the channel's unique name
    sender: Phone
    text: str | None  # None for media without text
    channel_message_id: str
    sent_at: dt.datetime | None = None  # the channel's own timestamp, when it gives one
    sender_name: str | None = attrs.field(default=None, converter=clean_name)  # as the sender's profile shows it
    media: str | None = None  # "audio", "image", ... for media without text
    # Where the member wrote from on this kind of channel (None: the phone's digits), and other
    # addresses the channel says are theirs (WhatsApp's @lid alias beside a number).
    address: str | None = None
    aliases: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not (self.text and self.text.strip()) and not self.media:
            raise ValueError("an inbound message has text or media")

    @property
    def reply_address(self) -> str:
        return self.address or self.sender.digits

    def addresses(self, kind: ChannelKind) -> list[Address]:
        return addresses_of(kind, self.reply_address, self.aliases)


@attrs.frozen
class BufferPolicy:
    """How long a burst may grow before it is answered as one turn."""

    window: dt.timedelta = dt.timedelta(seconds=15)  # quiet time after the latest message
    max_wait: dt.timedelta = dt.timedelta(seconds=60)  # longest wait after the first one


@attrs.frozen
class Stored:
    conversation_id: uuid.UUID
    stored: bool  # False for a duplicate delivery


class ChannelDirectory(Protocol):
    """Channels by name, for the webhook's hot path: may answer from a cache, since a channel's
    identity and tenant do not change."""

    async def find(self, name: str) -> Channel | None: ...


class Inbox(Protocol):
    """Where inbound messages land: the webhook's hot path, so one durable step of its own, not a
    unit of work. When `store` returns, the message is committed."""

    async def store(
        self, channel: Channel, message: InboundMessage, text: str, media: str | None, arrived_at: dt.datetime, buffer: BufferPolicy
    ) -> Stored:
        """Atomically, against concurrent deliveries: finds the client by the address the member
        wrote from on this channel's kind, else by phone, else creates it, and records its
        addresses (as `ClientRepository.attach`); finds or creates its open conversation; stores
        the message with `text` unless the channel delivered it before; and adds it to the
        conversation's buffer (due `window` after `arrived_at`, at most `max_wait` after the first
        waiting message; a tenant whose pack sets `front_desk.buffer_window_seconds` has that
        window instead, and a `max_wait` no shorter). A duplicate may move the buffer too; the
        turn that follows then finds nothing new."""
