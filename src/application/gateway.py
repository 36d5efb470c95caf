from typing import Protocol

from domain.channel import Channel


class DeliveryFailed(Exception):
    """Sending did not work. `retryable` says whether trying again later may help."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


class MessageGateway(Protocol):
    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        """Delivers `text` and returns the channel's id for the sent message, if it gives one.
        Raises `DeliveryFailed`."""
