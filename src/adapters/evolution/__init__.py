"""Evolution API, the Baileys-based WhatsApp gateway: webhook events (and, beside them, the gateway)."""

from adapters.evolution.webhook import (
    ConnectionUpdate,
    DeliveryStatus,
    DeliveryUpdate,
    Ignored,
    InboundMedia,
    InboundText,
    MalformedWebhook,
    OwnMessage,
    WebhookEvent,
    parse_webhook,
)

__all__ = [
    "ConnectionUpdate",
    "DeliveryStatus",
    "DeliveryUpdate",
    "Ignored",
    "InboundMedia",
    "InboundText",
    "MalformedWebhook",
    "OwnMessage",
    "WebhookEvent",
    "parse_webhook",
]
