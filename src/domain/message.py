import datetime as dt
import re
import uuid
from enum import StrEnum

import attrs


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Author(StrEnum):
    MEMBER = "member"
    BOT = "bot"
    STAFF = "staff"


class MessageStatus(StrEnum):
    RECEIVED = "received"  # inbound, waiting for its turn
    PROCESSED = "processed"  # inbound, answered (or deliberately not) by a turn
    PENDING = "pending"  # outbound, in the outbox
    SENT = "sent"
    FAILED = "failed"


# WhatsApp's own limit for one message: a longer text did not come from a member's phone, and no
# turn reads that far (the engine reads a few thousand characters of a burst).
MAX_TEXT = 65_536
# A channel's message id: WhatsApp's are 16 to 32 characters; the column leaves room for other
# channels, and an id that does not fit cannot be told apart from another one cut to the same start.
MESSAGE_ID_MAX = 128

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """No channel means a NUL character, and text columns cannot hold one; a lone UTF-16
    surrogate (JSON may escape one, `"\\ud800"`) cannot even be encoded to be stored, so it reads as
    U+FFFD, the character for one that was lost. A paired one never gets here: JSON decoding
    joins the pair into one character."""
    return _LONE_SURROGATE.sub("\ufffd", text.replace("\x00", "")[:MAX_TEXT])


def _not_empty(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not value.strip():
        raise ValueError("a message needs text")


@attrs.define(slots=False, kw_only=True)
class Message:
    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    direction: Direction
    author: Author
    text: str = attrs.field(converter=clean_text, validator=_not_empty)
    channel_message_id: str | None = None
    status: MessageStatus
    route: str | None = None
    media: str | None = None  # "audio", "image", ... when the member sent media without text
    delivery_status: str | None = None  # the channel's acks for outbound messages: SERVER_ACK, DELIVERY_ACK, READ ...
    created_at: dt.datetime

    def __attrs_post_init__(self) -> None:
        inbound = self.direction is Direction.INBOUND
        if inbound != (self.author is Author.MEMBER):
            raise ValueError("members write inbound messages; the bot and staff write outbound ones")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")

    def mark_sent(self, channel_message_id: str | None) -> None:
        if self.direction is not Direction.OUTBOUND:
            raise ValueError("only outbound messages are sent")
        self.status = MessageStatus.SENT
        self.channel_message_id = channel_message_id or self.channel_message_id

    def mark_failed(self) -> None:
        self.status = MessageStatus.FAILED
