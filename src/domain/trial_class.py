import datetime as dt
import uuid
from enum import StrEnum

import attrs


class TrialClassStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


@attrs.define(slots=False, kw_only=True)
class TrialClass:
    """A booked "aula experimental". Stored in UTC; shown in the tenant's timezone."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    conversation_id: uuid.UUID
    modality: str
    starts_at: dt.datetime
    status: TrialClassStatus = TrialClassStatus.CONFIRMED
    created_at: dt.datetime
