from enum import StrEnum
from typing import Protocol

import attrs


class ChannelControlFailed(Exception):
    """The WhatsApp gateway could not be reached, or refused the request; the message says what
    it answered and what to check."""


class UnknownInstance(ChannelControlFailed):
    """The gateway has no instance by that name."""


class ConnectionState(StrEnum):
    """A number's link with WhatsApp, as the gateway reports it."""

    OPEN = "open"  # paired: messages flow
    CONNECTING = "connecting"  # waiting for the QR code to be scanned or the pairing code typed
    CLOSE = "close"  # not paired: a new instance, or one logged out from the phone


@attrs.frozen(kw_only=True)
class Pairing:
    """What the gateway offers to pair a number: a QR code to scan in WhatsApp (its text, and a PNG
    image when the gateway renders one) and, when asked with the phone number, a code to type in
    WhatsApp instead."""

    state: ConnectionState
    qr_text: str | None = None
    qr_png: bytes | None = None
    pairing_code: str | None = None


class ChannelControl(Protocol):
    """The gateway's management of one of its instances (a WhatsApp number). Every method raises
    `ChannelControlFailed`, and nothing else, when the gateway cannot do what was asked."""

    async def create(self, instance: str) -> None:
        """Creates the instance, not yet paired with any number."""

    async def set_webhook(self, instance: str, url: str, secret: str) -> None:
        """Raises `UnknownInstance` when there is no such instance. Makes the gateway post every event Tatame reads, and only those, to `url`, proving
        itself with `secret`; replaces whatever webhook the instance had."""

    async def connection_state(self, instance: str) -> ConnectionState:
        """The instance's link with WhatsApp now."""

    async def pair(self, instance: str, phone: str | None) -> Pairing:
        """Starts pairing an instance that is not open, or reports the pairing under way; with
        `phone` (digits, country code first) the gateway also gives a pairing code."""
