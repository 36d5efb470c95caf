import datetime as dt
import uuid
from collections.abc import Sequence

import attrs

from application.model_usage import Caller
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
    # Which turn this is, for whatever an engine records about it (a model call's cost); None
    # where no conversation is stored (a knowledge test, a unit test).
    conversation_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None  # the newest message of the burst

    @property
    def caller(self) -> Caller:
        return Caller(self.tenant, self.conversation_id, self.message_id)
