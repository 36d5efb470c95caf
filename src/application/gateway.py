import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from domain.channel import Channel, ChannelKind


class DeliveryFailed(Exception):
    """Sending (or looking up a send) did not work. `retryable` says whether trying again later may
    help; `maybe_sent` that the message may have gone out anyway (a timeout, a server error after
    the request arrived), so it must be looked for before it is sent again."""

    def __init__(self, reason: str, *, retryable: bool, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.maybe_sent = maybe_sent


class MessageGateway(Protocol):
    """Sends replies on the channels of one kind."""

    @property
    def kind(self) -> ChannelKind:
        """The kind of channel it sends on."""

    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        """Delivers `text` and returns the channel's id for the sent message, if it gives one.
        Raises `DeliveryFailed`."""

    async def find_sent(self, channel: Channel, recipient: str, text: str, since: dt.datetime) -> Sequence[str]:
        """The channel's ids of messages with exactly `text` sent to `recipient` from about `since`
        on; empty when the channel has none (or cannot tell). Raises `DeliveryFailed`."""


@attrs.frozen(init=False)
class Gateways:
    """The gateways of one process, one per channel kind: a reply leaves through the gateway of
    the kind of channel its member wrote on (the gateway routes within its kind, e.g. to the
    Evolution instance of that channel). A process answers the kinds it holds a gateway for."""

    by_kind: Mapping[ChannelKind, MessageGateway]

    def __init__(self, *gateways: MessageGateway) -> None:
        by_kind = {gateway.kind: gateway for gateway in gateways}
        if len(by_kind) != len(gateways):
            raise ValueError("one gateway per channel kind")
        self.__attrs_init__(by_kind=by_kind)

    @property
    def kinds(self) -> tuple[ChannelKind, ...]:
        return tuple(self.by_kind)

    def for_channel(self, channel: Channel) -> MessageGateway:
        """Raises `DeliveryFailed` (not retryable) when this process has no gateway of its kind."""
        gateway = self.by_kind.get(ChannelKind(channel.kind))
        if gateway is None:
            raise DeliveryFailed(f"no gateway for {channel.kind} channels in this process", retryable=False)
        return gateway
