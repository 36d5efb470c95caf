"""What a conversation is in the middle of: a trial-class interview, or an offer of a person that a
"sim" accepts. Kept on the conversation, so it survives restarts and waits for the member."""

import datetime as dt
from enum import StrEnum

import attrs


class Awaiting(StrEnum):
    """What the bot asked last in an interview."""

    MODALITY = "modality"
    WHEN = "when"
    NAME = "name"
    CONFIRMATION = "confirmation"
    # The member already had their trial class: nothing to ask. Never kept: the interview ends.
    LIMIT_REACHED = "limit_reached"


class Period(StrEnum):
    MORNING = "manha"
    AFTERNOON = "tarde"
    EVENING = "noite"

    @property
    def hours(self) -> range:
        return {Period.MORNING: range(0, 12), Period.AFTERNOON: range(12, 18), Period.EVENING: range(18, 24)}[self]


@attrs.frozen(kw_only=True)
class Interview:
    """What the member said so far towards a booking, and what the bot asked last."""

    modality: str | None = None  # the tenant's own modality name
    day: dt.date | None = None
    time: dt.time | None = None
    period: Period | None = attrs.field(default=None, converter=attrs.converters.optional(Period))
    name: str | None = None
    starts_at: dt.datetime | None = None  # the class the member's words point at, once there is one
    awaiting: Awaiting | None = attrs.field(default=None, converter=attrs.converters.optional(Awaiting))

    def __attrs_post_init__(self) -> None:
        if self.starts_at is not None and self.starts_at.tzinfo is None:
            raise ValueError("starts_at must be timezone-aware")

    def merge(
        self,
        *,
        modality: str | None = None,
        day: dt.date | None = None,
        time: dt.time | None = None,
        period: Period | None = None,
        name: str | None = None,
    ) -> "Interview":
        """New details replace old ones (None: not said); a new day keeps the time asked for, a new
        part of the day drops an exact time, and the class is worked out again."""
        return attrs.evolve(
            self,
            modality=self.modality if modality is None else modality,
            day=self.day if day is None else day,
            time=time if time is not None else None if period is not None else self.time,
            period=period if period is not None else None if time is not None else self.period,
            name=self.name if name is None else name,
            starts_at=None,
        )

    def without_when(self) -> "Interview":
        return attrs.evolve(self, day=None, time=None, period=None, starts_at=None)

    def asking(self, awaiting: Awaiting, starts_at: dt.datetime | None = None, name: str | None = None) -> "Interview":
        return attrs.evolve(self, awaiting=awaiting, starts_at=starts_at or self.starts_at, name=name or self.name)


@attrs.frozen(kw_only=True)
class FlowState:
    interview: Interview | None = None
    offered_human: bool = False  # the last reply offered a person: a "sim" now escalates
