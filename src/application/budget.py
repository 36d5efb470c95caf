"""A tenant's monthly ceiling on model calls: in dollars for a model with a price, in tokens for
one without (its cost is unknown, its tokens are not). Months are calendar months in UTC."""

import datetime as dt
from decimal import Decimal

import attrs

from application.model_usage import Spend
from domain.tenant import LanguageModelSettings

# Percentages of the ceiling at which staff are told, once a month each.
THRESHOLDS = (80, 100)


def month_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@attrs.frozen
class Ceiling:
    limit: Decimal
    unit: str  # "usd" or "tokens"

    def spent(self, spend: Spend) -> Decimal:
        return spend.usd if self.unit == "usd" else Decimal(spend.unpriced_tokens)

    def reached(self, spend: Spend) -> tuple[int, ...]:
        """The thresholds `spend` has reached, in percent of the limit."""
        return tuple(t for t in THRESHOLDS if self.spent(spend) * 100 >= self.limit * t)

    def exhausted(self, spend: Spend) -> bool:
        return self.spent(spend) >= self.limit


@attrs.frozen
class BudgetDefaults:
    """The deployment's ceilings, for tenants whose pack sets none; None is no ceiling."""

    usd: Decimal | None = None
    tokens: int | None = None

    def ceiling(self, tenant: LanguageModelSettings, priced: bool) -> Ceiling | None:
        if priced:
            usd = tenant.monthly_budget_usd if tenant.monthly_budget_usd is not None else self.usd
            return None if usd is None else Ceiling(Decimal(str(usd)), "usd")
        tokens = tenant.monthly_budget_tokens if tenant.monthly_budget_tokens is not None else self.tokens
        return None if tokens is None else Ceiling(Decimal(tokens), "tokens")
