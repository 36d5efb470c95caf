"""Turns the parsed `tenant.yaml` into a domain `Tenant`, naming the field of any mistake."""

import datetime as dt
import re
from typing import Any

from application.tenant_packs import InvalidTenantPack
from domain.tenant import (
    ClassSlot,
    FrontDeskSettings,
    LanguageModelSettings,
    Modality,
    OpeningHours,
    PaidService,
    Tenant,
    TrialClassRules,
    Weekday,
)

# A member waits this long at most for a reply to start being worked on; a longer window is a typo.
MAX_BUFFER_WINDOW = 300
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TOP_KEYS = {"name", "timezone", "human_contact", "paid_services", "modalities", "trial_class", "llm", "front_desk"}


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, reason: str) -> InvalidTenantPack:
        return InvalidTenantPack(self.file, field, reason)

    def mapping(self, value: Any, field: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, f"expected a mapping, got {type(value).__name__}")
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise self.fail(
                f"{field}.{unknown[0]}" if field else unknown[0], f"unknown field (expected one of: {', '.join(sorted(allowed))})"
            )
        return value

    def optional_text(self, data: dict[str, Any], key: str, field: str) -> str | None:
        return None if data.get(key) is None else self.text(data, key, field)

    def text(self, data: dict[str, Any], key: str, field: str) -> str:
        value = data.get(key)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            raise self.fail(field, "required text" if value is None else f"expected text, got {value!r}")
        return str(value).strip()

    def integer(self, data: dict[str, Any], key: str, field: str, default: int, minimum: int) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(field, f"expected a whole number >= {minimum}, got {value!r}")
        return value

    def items(self, data: dict[str, Any], key: str, field: str) -> list[Any]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list, got {type(value).__name__}")
        return value

    def words(self, data: dict[str, Any], key: str, field: str) -> tuple[str, ...]:
        values = self.items(data, key, field)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{field}[{i}]", f"expected text, got {value!r}")
        return tuple(v.strip() for v in values)


def _weekday(r: _Reader, data: dict[str, Any], field: str) -> str:
    weekday = str(data.get("weekday", "")).strip().lower()
    if weekday not in {w.value for w in Weekday}:
        raise r.fail(f"{field}.weekday", f"expected one of {', '.join(w.value for w in Weekday)}, got {data.get('weekday')!r}")
    return weekday


def _time(r: _Reader, data: dict[str, Any], key: str, field: str) -> dt.time:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 19:00 as the sexagesimal number 1140.
        value = f"{value // 60:02d}:{value % 60:02d}"
    match = _TIME.match(str(value or ""))
    if not match:
        raise r.fail(f"{field}.{key}", f'expected a time like "19:00", got {data.get(key)!r}')
    return dt.time(int(match[1]), int(match[2]))


def _slot(r: _Reader, raw: Any, field: str) -> ClassSlot:
    data = r.mapping(raw, field, {"weekday", "start", "duration_minutes"})
    weekday = _weekday(r, data, field)
    start = _time(r, data, "start", field)
    duration = r.integer(data, "duration_minutes", f"{field}.duration_minutes", 60, 1)
    return ClassSlot(weekday=weekday, start=start, duration_minutes=duration)


def _opening_hours(r: _Reader, raw: Any, field: str) -> OpeningHours:
    data = r.mapping(raw, field, {"weekday", "start", "end"})
    weekday, start, end = _weekday(r, data, field), _time(r, data, "start", field), _time(r, data, "end", field)
    if end <= start:
        raise r.fail(f"{field}.end", f"expected a time after start ({start:%H:%M}), got {end:%H:%M}")
    return OpeningHours(weekday=weekday, start=start, end=end)


def _front_desk(r: _Reader, raw: Any) -> FrontDeskSettings:
    keys = {"buffer_window_seconds", "human_pause_hours", "business_hours", "out_of_hours_reply"}
    data = r.mapping(raw or {}, "front_desk", keys)
    window = data.get("buffer_window_seconds")
    if window is not None and (not isinstance(window, (int, float)) or isinstance(window, bool) or not 0 <= window <= MAX_BUFFER_WINDOW):
        raise r.fail("front_desk.buffer_window_seconds", f"expected seconds from 0 to {MAX_BUFFER_WINDOW}, got {window!r}")
    pause = data.get("human_pause_hours")
    hours = r.items(data, "business_hours", "front_desk.business_hours")
    return FrontDeskSettings(
        buffer_window_seconds=None if window is None else float(window),
        human_pause_hours=None if pause is None else r.integer(data, "human_pause_hours", "front_desk.human_pause_hours", 1, 1),
        business_hours=[_opening_hours(r, h, f"front_desk.business_hours[{i}]") for i, h in enumerate(hours)],
        out_of_hours_reply=r.optional_text(data, "out_of_hours_reply", "front_desk.out_of_hours_reply"),
    )


def _modality(r: _Reader, raw: Any, field: str) -> Modality:
    data = r.mapping(raw, field, {"name", "aliases", "capacity", "schedule"})
    return Modality(
        name=r.text(data, "name", f"{field}.name"),
        aliases=r.words(data, "aliases", f"{field}.aliases"),
        capacity=r.integer(data, "capacity", f"{field}.capacity", 20, 1),
        schedule=[_slot(r, s, f"{field}.schedule[{i}]") for i, s in enumerate(r.items(data, "schedule", f"{field}.schedule"))],
    )


def _paid_service(r: _Reader, raw: Any, field: str) -> PaidService:
    data = r.mapping(raw, field, {"name", "keywords"})
    return PaidService(name=r.text(data, "name", f"{field}.name"), keywords=r.words(data, "keywords", f"{field}.keywords"))


def _trial_rules(r: _Reader, raw: Any) -> TrialClassRules:
    data = r.mapping(raw or {}, "trial_class", {"min_notice_hours", "max_days_ahead", "max_per_person"})
    return TrialClassRules(
        min_notice_hours=r.integer(data, "min_notice_hours", "trial_class.min_notice_hours", 2, 0),
        max_days_ahead=r.integer(data, "max_days_ahead", "trial_class.max_days_ahead", 14, 1),
        max_per_person=r.integer(data, "max_per_person", "trial_class.max_per_person", 1, 1),
    )


def _language_model(r: _Reader, raw: Any) -> LanguageModelSettings:
    data = r.mapping(raw or {}, "llm", {"tone", "monthly_budget_usd", "monthly_budget_tokens"})
    budget = data.get("monthly_budget_usd")
    if budget is not None and (not isinstance(budget, (int, float)) or isinstance(budget, bool) or budget <= 0):
        raise r.fail("llm.monthly_budget_usd", f"expected a positive number of dollars, got {budget!r}")
    tokens = data.get("monthly_budget_tokens")
    return LanguageModelSettings(
        tone=r.optional_text(data, "tone", "llm.tone"),
        monthly_budget_usd=None if budget is None else float(budget),
        monthly_budget_tokens=None if tokens is None else r.integer(data, "monthly_budget_tokens", "llm.monthly_budget_tokens", 1, 1),
    )


def parse_tenant(file: str, slug: str, raw: Any) -> Tenant:
    r = _Reader(file)
    data = r.mapping(raw, "", _TOP_KEYS)
    modalities = [_modality(r, m, f"modalities[{i}]") for i, m in enumerate(r.items(data, "modalities", "modalities"))]
    names = [m.name.casefold() for m in modalities]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise r.fail(f"modalities[{i}].name", f"duplicate modality {modalities[i].name!r}")
    timezone = r.optional_text(data, "timezone", "timezone") or "America/Sao_Paulo"
    try:
        return Tenant(
            slug=slug,
            name=r.text(data, "name", "name"),
            timezone=timezone,
            human_contact=r.optional_text(data, "human_contact", "human_contact"),
            paid_services=[
                _paid_service(r, p, f"paid_services[{i}]") for i, p in enumerate(r.items(data, "paid_services", "paid_services"))
            ],
            modalities=modalities,
            trial_class=_trial_rules(r, data.get("trial_class")),
            llm=_language_model(r, data.get("llm")),
            front_desk=_front_desk(r, data.get("front_desk")),
        )
    except ValueError as error:
        field = "timezone" if "timezone" in str(error) else "slug" if "slug" in str(error) else "tenant"
        raise r.fail(field, str(error)) from error
