import datetime as dt
import uuid

import attrs

# An Evolution instance name, as the channels table keeps it: names are chosen by whoever creates
# the instance, a few words at most.
CHANNEL_NAME_MAX = 128
# "open", "connecting", "close": room for a state a newer Evolution may add.
CONNECTION_STATE_MAX = 32


@attrs.define(slots=False, kw_only=True)
class Channel:
    """A way messages reach a tenant: a WhatsApp instance, or the terminal (`kind='cli'`)."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    kind: str = attrs.field(validator=attrs.validators.in_({"cli", "evolution"}))
    name: str = attrs.field(validator=attrs.validators.min_len(1))
    api_url: str | None = None
    api_key: str | None = None
    connected: bool | None = None
    connection_state: str | None = None  # as the gateway reports it ("open", "connecting", "close")
    connection_changed_at: dt.datetime | None = None

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
