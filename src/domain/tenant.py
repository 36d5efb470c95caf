import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import attrs

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as in `datetime.weekday()`."""
        return list(Weekday).index(self)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _slots(values: Iterable["ClassSlot"]) -> tuple["ClassSlot", ...]:
    return tuple(values)


def _positive(instance: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _not_negative(instance: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


def _not_blank(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be blank")


@attrs.frozen
class ClassSlot:
    """One weekly class of a modality, in the tenant's local time."""

    weekday: Weekday = attrs.field(converter=Weekday)
    start: dt.time
    duration_minutes: int = attrs.field(validator=_positive)


@attrs.frozen
class Modality:
    name: str = attrs.field(validator=_not_blank)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    capacity: int = attrs.field(default=20, validator=_positive)
    schedule: tuple[ClassSlot, ...] = attrs.field(default=(), converter=_slots)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@attrs.frozen
class PaidService:
    """A service sold apart from the plans; asking about or for it goes to a human."""

    name: str = attrs.field(validator=_not_blank)
    keywords: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.name, *self.keywords)


@attrs.frozen
class TrialClassRules:
    min_notice_hours: int = attrs.field(default=2, validator=_not_negative)
    max_days_ahead: int = attrs.field(default=14, validator=_positive)
    max_per_person: int = attrs.field(default=1, validator=_positive)


def _optional_positive(instance: object, attribute: "attrs.Attribute[Any]", value: float | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _optional_not_negative(instance: object, attribute: "attrs.Attribute[Any]", value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@attrs.frozen
class LanguageModelSettings:
    """How a language model speaks for the center and what it may spend (`llm:` in tenant.yaml).
    A budget left unset takes the deployment's default."""

    tone: str | None = None
    monthly_budget_usd: float | None = attrs.field(default=None, validator=_optional_positive)
    # The ceiling for a model whose price is unknown: its calls cost tokens, not dollars.
    monthly_budget_tokens: int | None = attrs.field(default=None, validator=_optional_positive)


@attrs.frozen
class OpeningHours:
    """When staff are at the front desk on one weekday, in the tenant's local time."""

    weekday: Weekday = attrs.field(converter=Weekday)
    start: dt.time
    end: dt.time

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"opening hours must end after they start, got {self.start:%H:%M}-{self.end:%H:%M}")

    def contain(self, local: dt.datetime) -> bool:
        return local.weekday() == self.weekday.number and self.start <= local.time() < self.end


def _hours(values: Iterable[OpeningHours]) -> tuple[OpeningHours, ...]:
    return tuple(values)


@attrs.frozen
class FrontDeskSettings:
    """How the bot keeps a center's front desk (`front_desk:` in tenant.yaml). A value left unset
    takes the deployment's default (BUFFER_WINDOW, HUMAN_PAUSE_HOURS); no business hours means
    staff may be there at any time."""

    buffer_window_seconds: float | None = attrs.field(default=None, validator=_optional_not_negative)
    human_pause_hours: int | None = attrs.field(default=None, validator=_optional_positive)
    business_hours: tuple[OpeningHours, ...] = attrs.field(default=(), converter=_hours)
    # Said, after the bot's own reply, when a member asks for a person outside business hours.
    out_of_hours_reply: str | None = None

    def staffed_at(self, local: dt.datetime) -> bool:
        """Whether staff are at the desk at `local` (the tenant's local time)."""
        return not self.business_hours or any(hours.contain(local) for hours in self.business_hours)


def _timezone(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError) as error:
        raise ValueError(f"unknown timezone {value!r}") from error


def _slug(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not _SLUG.match(value):
        raise ValueError(f"slug must be lowercase letters, digits and dashes, got {value!r}")


def _unique_modalities(instance: object, attribute: "attrs.Attribute[Sequence[Modality]]", value: Sequence[Modality]) -> None:
    names = [m.name.casefold() for m in value]
    if len(names) != len(set(names)):
        raise ValueError("modality names must be unique")


@attrs.define(slots=False, kw_only=True)
class Tenant:
    """A training center. Its facts come from its pack (`knowledge/<slug>/tenant.yaml`)."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    slug: str = attrs.field(validator=_slug)
    name: str = attrs.field(validator=_not_blank)
    timezone: str = attrs.field(default="America/Sao_Paulo", validator=_timezone)
    human_contact: str | None = None
    paid_services: list[PaidService] = attrs.field(factory=list)
    modalities: list[Modality] = attrs.field(factory=list, validator=_unique_modalities)
    trial_class: TrialClassRules = attrs.field(factory=TrialClassRules)
    llm: LanguageModelSettings = attrs.field(factory=LanguageModelSettings)
    front_desk: FrontDeskSettings = attrs.field(factory=FrontDeskSettings)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def update_facts(self, pack: "Tenant") -> None:
        """Takes the facts of a freshly loaded pack, keeping this tenant's identity."""
        if pack.slug != self.slug:
            raise ValueError(f"pack {pack.slug!r} is not tenant {self.slug!r}")
        self.name = pack.name
        self.timezone = pack.timezone
        self.human_contact = pack.human_contact
        self.paid_services = list(pack.paid_services)
        self.modalities = list(pack.modalities)
        self.trial_class = pack.trial_class
        self.llm = pack.llm
        self.front_desk = pack.front_desk
