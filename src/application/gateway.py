import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from domain.channel import Channel


class DeliveryFailed(Exception):
    """Sending (or looking up a send) did not work. `retryable` says whether trying again later may
    help; `maybe_sent` that the message may have gone out anyway (a timeout, a server error after
    the request arrived), so it must be looked for before it is sent again."""

    def __init__(self, reason: str, *, retryable: bool, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.maybe_sent = maybe_sent


class MessageGateway(Protocol):
    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        """Delivers `text` and returns the channel's id for the sent message, if it gives one.
        Raises `DeliveryFailed`."""

    async def find_sent(self, channel: Channel, recipient: str, text: str, since: dt.datetime) -> Sequence[str]:
        """The channel's ids of messages with exactly `text` sent to `recipient` from about `since`
        on; empty when the channel has none (or cannot tell). Raises `DeliveryFailed`."""
