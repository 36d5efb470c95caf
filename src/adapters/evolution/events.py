"""What Tatame reads of an Evolution API webhook event (v1.8 and v2.x, Baileys channel).

`adapters.evolution.parsing` builds these from a decoded JSON body."""

import datetime as dt
import re
from enum import StrEnum

import attrs

from domain.address import ADDRESS_MAX

# "<digits>@lid": WhatsApp's LIDs have 14 or 15 digits; a longer one is not an alias WhatsApp gave
# (and would not fit an address).
LID_MAX = ADDRESS_MAX


class DeliveryStatus(StrEnum):
    # src/utils/renderStatus.ts (numbers 0-5 from Baileys); DELETED is what v1 stores for deletions.
    ERROR = "ERROR"
    PENDING = "PENDING"
    SERVER_ACK = "SERVER_ACK"
    DELIVERY_ACK = "DELIVERY_ACK"
    READ = "READ"
    PLAYED = "PLAYED"
    DELETED = "DELETED"


class _FromContact:
    __slots__ = ()
    phone: str
    lid: str | None

    @property
    def address(self) -> str:
        """The `number` to reply to through sendText: the phone digits, or the `@lid` JID when
        the body named no phone number at all (issue #1872) and `phone` holds the LID's digits."""
        if self.lid is not None and self.phone == jid_digits(self.lid):
            return self.lid
        return self.phone


@attrs.frozen(kw_only=True)
class InboundText(_FromContact):
    instance: str
    message_id: str
    phone: str  # digits only; see `address`
    lid: str | None  # "<digits>@lid" when the key names the sender's LID alias
    text: str  # the text, or the caption of an image, video or document
    timestamp: dt.datetime
    push_name: str | None


@attrs.frozen(kw_only=True)
class InboundMedia(_FromContact):
    instance: str
    message_id: str
    phone: str
    lid: str | None
    kind: str  # audio, image, video, document, sticker, location, contact, poll or other
    timestamp: dt.datetime
    push_name: str | None


@attrs.frozen(kw_only=True)
class OwnMessage(_FromContact):
    """Sent from the center's own number: typed on the phone or another linked device
    (`from_api=False`), or an echo of a REST API send (`send.message`, `from_api=True`)."""

    instance: str
    message_id: str
    phone: str  # the recipient
    lid: str | None
    text: str | None  # None for media without a caption
    timestamp: dt.datetime
    from_api: bool


@attrs.frozen(kw_only=True)
class DeliveryUpdate:
    instance: str
    message_id: str
    status: DeliveryStatus
    from_me: bool | None = None  # updates also come for the members' messages (e.g. READ by staff)


@attrs.frozen(kw_only=True)
class ConnectionUpdate:
    instance: str
    state: str  # open, connecting or close
    status_reason: int | None  # Baileys DisconnectReason, e.g. 401 = logged out


@attrs.frozen(kw_only=True)
class Ignored:
    instance: str
    reason: str


WebhookEvent = InboundText | InboundMedia | OwnMessage | DeliveryUpdate | ConnectionUpdate | Ignored


def jid_user(jid: str) -> str:
    """'5511999990001:12@s.whatsapp.net' -> '5511999990001' (drops the server and the device)."""
    return jid.split("@", 1)[0].split(":", 1)[0]


def jid_digits(jid: str) -> str:
    return re.sub(r"[^0-9]", "", jid_user(jid))
