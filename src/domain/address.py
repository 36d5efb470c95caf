from collections.abc import Iterable

import attrs

from domain.channel import ChannelKind
from domain.phone import Phone

# WhatsApp's addresses are a number's digits or a "<digits>@lid" alias (14 or 15 digits); other
# kinds' (a Telegram chat id, ...) are as short. A longer one is not an address a channel gave.
ADDRESS_MAX = 64


@attrs.frozen
class Address:
    """Where a member is reached on one kind of channel: on WhatsApp a number's digits or its
    `@lid` alias, on the terminal a number. A tenant's (kind, value) names one client, whichever
    channel of that kind it came through: a person writing to two numbers of a center is one
    client of it."""

    kind: ChannelKind = attrs.field(converter=ChannelKind)
    value: str = attrs.field(validator=[attrs.validators.min_len(1), attrs.validators.max_len(ADDRESS_MAX)])


def addresses_of(kind: ChannelKind, first: str, aliases: Iterable[str]) -> list[Address]:
    """A member's addresses on `kind` channels as a channel named them, the one written from
    (or to) first, each once."""
    return [Address(kind, value) for value in dict.fromkeys((first, *aliases))]


def reply_address(phone: Phone, addresses: Iterable[Address], kind: ChannelKind) -> str:
    """Where a reply on a `kind` channel reaches the client: its phone number when that is one of
    its addresses there (or it has none yet), else the address it wrote from there (a WhatsApp
    member known only by an `@lid` alias)."""
    theirs = sorted(address.value for address in addresses if address.kind == kind)
    return phone.digits if not theirs or phone.digits in theirs else theirs[0]
