import datetime as dt
import uuid
from enum import StrEnum

import attrs

# An Evolution instance name, as the channels table keeps it: names are chosen by whoever creates
# the instance, a few words at most.
CHANNEL_NAME_MAX = 128
# "open", "connecting", "close": room for a state a newer Evolution may add.
CONNECTION_STATE_MAX = 32


class ChannelKind(StrEnum):
    """The technologies messages reach a tenant through. Each kind has one gateway for replies
    and one inbound route; a member's address means something only within its kind. A new kind
    (Telegram, the WhatsApp Cloud API) is a new value here: see docs/channels.md."""

    CLI = "cli"  # the terminal (`tatame chat`, scenarios, eval): it answers its own turns
    EVOLUTION = "evolution"  # WhatsApp through an Evolution API instance (one per number)


@attrs.define(slots=False, kw_only=True)
class Channel:
    """A way messages reach a tenant: a WhatsApp number (an Evolution instance), or the
    terminal. A disabled channel takes no webhooks and sends nothing."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    kind: ChannelKind = attrs.field(converter=ChannelKind)
    name: str = attrs.field(validator=attrs.validators.min_len(1))
    api_url: str | None = None
    api_key: str | None = None
    enabled: bool = True
    connected: bool | None = None
    connection_state: str | None = None  # as the gateway reports it ("open", "connecting", "close")
    connection_changed_at: dt.datetime | None = None

    def disable(self) -> None:
        self.enabled = False

    def record_connection(self, state: str, at: dt.datetime) -> bool:
        """True when this report takes down a connection that was open (a number logged out or
        lost): the moment staff must hear of it."""
        dropped = self.connected is True and state != "open"
        self.connection_state = state
        self.connected = state == "open"
        self.connection_changed_at = at
        return dropped

    @property
    def down(self) -> bool:
        """Its gateway said it is not connected (never having said anything is not down)."""
        return self.connection_state is not None and not self.connected
