import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Protocol

import attrs

from application.knowledge_index import Passage
from domain.flow import FlowState, Period
from domain.message import Message
from domain.route import Route
from domain.tenant import Tenant


@attrs.frozen
class TurnInput:
    """What the engine sees of a turn: the member's burst as one text, plus context."""

    text: str
    tenant: Tenant
    now: dt.datetime  # in the tenant's timezone: "amanhã" and "sábado" resolve against it
    history: Sequence[Message] = ()
    flow: FlowState = FlowState()


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
        return {k: v for k, v in {"modality": self.modality, "day": self.day, "time": self.time, "period": self.period, "name": self.name}.items() if v is not None}


@attrs.frozen
class Triage:
    route: Route
    paid_service: str | None = None  # set when the member asked about or for a paid service
    human_requested: bool = False
    agrees: bool = False  # a plain yes ("sim", "pode ser"): accepts what the bot offered last, if anything

    def __attrs_post_init__(self) -> None:
        if self.route is Route.PAUSED:
            raise ValueError("triage never pauses; the conversation status does")
        if (self.paid_service or self.human_requested) and self.route is not Route.ESCALATE:
            raise ValueError("a paid service or a request for a human escalates")


class Engine(Protocol):
    """The conversational brain behind a turn. Replies are pt-BR text for the member."""

    async def triage(self, turn: TurnInput) -> Triage: ...

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> str | None:
        """An answer built only from `passages`, or None when they do not answer the question."""

    async def smalltalk(self, turn: TurnInput) -> str: ...

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        """Booking details in the message; `turn.flow.interview.awaiting` says what the bot asked
        last (a bare "Ana" answers "qual é o seu nome?")."""
