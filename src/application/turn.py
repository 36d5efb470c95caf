import datetime as dt
from collections.abc import Sequence

import attrs

from domain.flow import FlowState
from domain.message import Message
from domain.tenant import Tenant


@attrs.frozen
class TurnInput:
    """What an engine sees of a turn: the member's burst as one text, plus context."""

    text: str
    tenant: Tenant
    now: dt.datetime  # in the tenant's timezone: "amanhã" and "sábado" resolve against it
    history: Sequence[Message] = ()
    flow: FlowState = FlowState()
