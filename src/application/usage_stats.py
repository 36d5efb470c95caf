"""What the bot did per day, for `tatame stats`: turns by route and by the engine that answered
them, and the model calls with their tokens and cost. Days are UTC days, as budget months are."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import attrs

from application.model_usage import OK
from application.pricing import Tokens


class Engine(StrEnum):
    MODEL = "model"  # the turn's model calls all answered
    FALLBACK = "fallback"  # a call failed and the offline engine decided in its place
    OFFLINE = "offline"  # no model call


def engine_of(outcomes: Sequence[str]) -> Engine:
    if not outcomes:
        return Engine.OFFLINE
    return Engine.MODEL if all(outcome == OK for outcome in outcomes) else Engine.FALLBACK


@attrs.frozen
class TurnCount:
    day: dt.date
    route: str
    engine: Engine
    turns: int


@attrs.frozen
class DailyCalls:
    day: dt.date
    calls: int
    failed: int
    tokens: Tokens
    cost_usd: Decimal | None  # of the calls with a price; None when none had one
    unpriced: int  # calls whose cost is unknown


class UsageStats(Protocol):
    """Read-only. `tenant`: a slug, or None for every tenant."""

    async def turns(self, tenant: str | None, since: dt.date) -> Sequence[TurnCount]:
        """Turns that got a reply from the bot on `since` or later, oldest day first."""

    async def calls(self, tenant: str | None, since: dt.date) -> Sequence[DailyCalls]:
        """Model calls made on `since` or later, per day, oldest first."""
