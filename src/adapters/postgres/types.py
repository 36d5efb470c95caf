"""Column types that store domain value objects."""

import datetime as dt
from enum import StrEnum
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from domain.phone import Phone
from domain.tenant import ClassSlot, FrontDeskSettings, LanguageModelSettings, Modality, OpeningHours, PaidService, TrialClassRules


class PhoneType(sa.types.TypeDecorator[Phone]):
    impl = sa.String(15)
    cache_ok = True

    def process_bind_param(self, value: Phone | None, dialect: Any) -> str | None:
        return None if value is None else value.digits

    def process_result_value(self, value: str | None, dialect: Any) -> Phone | None:
        return None if value is None else Phone(value)


class StrEnumType(sa.types.TypeDecorator[StrEnum]):
    """A StrEnum as its value in a VARCHAR: adding a member needs no migration."""

    impl = sa.String(32)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def _slot_to_json(slot: ClassSlot) -> dict[str, Any]:
    return {"weekday": slot.weekday.value, "start": slot.start.strftime("%H:%M"), "duration_minutes": slot.duration_minutes}


def _slot_from_json(data: dict[str, Any]) -> ClassSlot:
    return ClassSlot(weekday=data["weekday"], start=dt.time.fromisoformat(data["start"]), duration_minutes=data["duration_minutes"])


class ModalitiesType(sa.types.TypeDecorator[list[Modality]]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: list[Modality] | None, dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [
            {"name": m.name, "aliases": list(m.aliases), "capacity": m.capacity, "schedule": [_slot_to_json(s) for s in m.schedule]}
            for m in value
        ]

    def process_result_value(self, value: list[dict[str, Any]] | None, dialect: Any) -> list[Modality] | None:
        if value is None:
            return None
        return [
            Modality(name=m["name"], aliases=m["aliases"], capacity=m["capacity"], schedule=[_slot_from_json(s) for s in m["schedule"]])
            for m in value
        ]


class PaidServicesType(sa.types.TypeDecorator[list[PaidService]]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: list[PaidService] | None, dialect: Any) -> list[dict[str, Any]] | None:
        return None if value is None else [{"name": p.name, "keywords": list(p.keywords)} for p in value]

    def process_result_value(self, value: list[dict[str, Any]] | None, dialect: Any) -> list[PaidService] | None:
        return None if value is None else [PaidService(name=p["name"], keywords=p["keywords"]) for p in value]


class TrialRulesType(sa.types.TypeDecorator[TrialClassRules]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: TrialClassRules | None, dialect: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"min_notice_hours": value.min_notice_hours, "max_days_ahead": value.max_days_ahead, "max_per_person": value.max_per_person}

    def process_result_value(self, value: dict[str, Any] | None, dialect: Any) -> TrialClassRules | None:
        return None if value is None else TrialClassRules(**value)


class LanguageModelSettingsType(sa.types.TypeDecorator[LanguageModelSettings]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: LanguageModelSettings | None, dialect: Any) -> dict[str, Any] | None:
        return None if value is None else attrs.asdict(value)

    def process_result_value(self, value: dict[str, Any] | None, dialect: Any) -> LanguageModelSettings | None:
        return None if value is None else LanguageModelSettings(**value)


class FrontDeskSettingsType(sa.types.TypeDecorator[FrontDeskSettings]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: FrontDeskSettings | None, dialect: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        hours = [{"weekday": h.weekday.value, "start": f"{h.start:%H:%M}", "end": f"{h.end:%H:%M}"} for h in value.business_hours]
        return {**attrs.asdict(value, recurse=False), "business_hours": hours}

    def process_result_value(self, value: dict[str, Any] | None, dialect: Any) -> FrontDeskSettings | None:
        if value is None:
            return None
        hours = [
            OpeningHours(weekday=h["weekday"], start=dt.time.fromisoformat(h["start"]), end=dt.time.fromisoformat(h["end"]))
            for h in value.get("business_hours", [])
        ]
        return FrontDeskSettings(**{**value, "business_hours": hours})
