"""The scenario format (docs/scenarios.md): a conversation with expectations, loaded and validated."""

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import yaml

from domain.route import Route

_EXPECT_KEYS = {"route", "reply_contains", "reply_not_contains"}
_AFTER_KEYS = {"trial_classes", "escalations"}


class ScenarioError(ValueError):
    def __init__(self, file: Path, field: str, reason: str) -> None:
        super().__init__(f"{file}: {field}: {reason}")


@attrs.frozen
class Expect:
    route: Route | None = None
    reply_contains: tuple[str, ...] = ()
    reply_not_contains: tuple[str, ...] = ()


@attrs.frozen
class Step:
    """A member message, or (no `user`) the bot process restarting between messages."""

    user: str | None
    expect: Expect = Expect()


@attrs.frozen
class Scenario:
    file: Path
    name: str
    tenant: str | None
    now: dt.datetime | None
    steps: tuple[Step, ...]
    expect_after: dict[str, int]


def parse_instant(value: Any) -> dt.datetime:
    instant = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if instant.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (write e.g. 2026-03-02T10:00:00-03:00)")
    return instant


def _texts(file: Path, field: str, value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value or []
    if not isinstance(values, list) or not all(isinstance(v, (str, int, float)) for v in values):
        raise ScenarioError(file, field, "expected text or a list of texts")
    return tuple(str(v) for v in values)


def _expect(file: Path, field: str, raw: Any) -> Expect:
    raw = raw or {}
    if not isinstance(raw, dict) or set(raw) - _EXPECT_KEYS:
        raise ScenarioError(file, field, f"expected a mapping with keys among {sorted(_EXPECT_KEYS)}")
    route = raw.get("route")
    if route is not None and route not in {r.value for r in Route}:
        raise ScenarioError(file, f"{field}.route", f"expected one of {', '.join(r.value for r in Route)}, got {route!r}")
    return Expect(
        route=Route(route) if route else None,
        reply_contains=_texts(file, f"{field}.reply_contains", raw.get("reply_contains")),
        reply_not_contains=_texts(file, f"{field}.reply_not_contains", raw.get("reply_not_contains")),
    )


def _step(file: Path, index: int, raw: Any) -> Step:
    field = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise ScenarioError(file, field, "expected a mapping with `user` (or `restart: true`)")
    if raw.get("restart") is True and "user" not in raw:
        return Step(user=None)
    user = raw.get("user")
    if not isinstance(user, (str, int)) or not str(user).strip():
        raise ScenarioError(file, f"{field}.user", "expected the member's message")
    return Step(user=str(user), expect=_expect(file, f"{field}.expect", raw.get("expect")))


def load_scenario(file: Path) -> Scenario:
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScenarioError(file, "(file)", str(error)) from error
    if not isinstance(raw, dict):
        raise ScenarioError(file, "(file)", "expected a mapping with name and steps")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(file, "steps", "expected a non-empty list")
    after = raw.get("expect_after") or {}
    if not isinstance(after, dict) or set(after) - _AFTER_KEYS or not all(isinstance(v, int) for v in after.values()):
        raise ScenarioError(file, "expect_after", f"expected whole numbers for keys among {sorted(_AFTER_KEYS)}")
    try:
        now = parse_instant(raw["now"]) if raw.get("now") else None
    except ValueError as error:
        raise ScenarioError(file, "now", str(error)) from error
    return Scenario(
        file=file,
        name=str(raw.get("name") or file.stem),
        tenant=str(raw["tenant"]) if raw.get("tenant") else None,
        now=now,
        steps=tuple(_step(file, i, s) for i, s in enumerate(steps)),
        expect_after=dict(after),
    )


def scenario_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]) if path.is_dir() else [path])
    return files
