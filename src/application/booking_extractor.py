import datetime as dt
from enum import StrEnum
from typing import Any, Protocol

import attrs

from application.turn import TurnInput
from domain.flow import Period


class BookingIntent(StrEnum):
    BOOK = "book"  # wants a trial class, or is answering the interview
    CHECK = "check"  # "tenho aula marcada?"
    CANCEL_BOOKED = "cancel_booked"  # cancel a class already booked
    ABORT = "abort"  # "desisto": drop the interview
    NONE = "none"  # nothing about booking in this message


@attrs.frozen
class BookingDetails:
    """What a message says towards a booking; None where it says nothing."""

    intent: BookingIntent = BookingIntent.NONE
    modality: str | None = None  # the tenant's own modality name
    day: dt.date | None = None
    time: dt.time | None = None
    period: Period | None = attrs.field(default=None, converter=attrs.converters.optional(Period))
    name: str | None = None
    answer: bool | None = None  # yes / no to the confirmation question

    @property
    def changes(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in {"modality": self.modality, "day": self.day, "time": self.time, "period": self.period, "name": self.name}.items()
            if v is not None
        }


class BookingExtractor(Protocol):
    """Reads what a message says towards a trial-class booking."""

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        """Booking details in `turn.text`; None where it says nothing. `turn.flow.interview`
        says what the bot asked last (a bare "Ana" answers "qual é o seu nome?")."""
