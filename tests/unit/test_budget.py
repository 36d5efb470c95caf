"""Which ceiling a tenant has, and which thresholds a spend has reached."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.budget import BudgetDefaults, Ceiling, month_start
from application.model_usage import Spend
from domain.tenant import LanguageModelSettings

DEFAULTS = BudgetDefaults(usd=Decimal(20), tokens=1_000_000)


@pytest.mark.parametrize(
    ("tenant", "priced", "ceiling"),
    [
        (LanguageModelSettings(), True, Ceiling(Decimal(20), "usd")),
        (LanguageModelSettings(monthly_budget_usd=7.5), True, Ceiling(Decimal("7.5"), "usd")),
        (LanguageModelSettings(monthly_budget_usd=7.5), False, Ceiling(Decimal(1_000_000), "tokens")),
        (LanguageModelSettings(monthly_budget_tokens=500), False, Ceiling(Decimal(500), "tokens")),
    ],
)
def test_the_tenants_ceiling_else_the_deployments_in_dollars_or_in_tokens(tenant, priced, ceiling):
    assert DEFAULTS.ceiling(tenant, priced) == ceiling


def test_no_ceiling_where_neither_sets_one():
    assert BudgetDefaults(usd=Decimal(20)).ceiling(LanguageModelSettings(), priced=False) is None


def test_a_dollar_ceiling_counts_dollars_and_a_token_ceiling_tokens_of_unpriced_calls():
    spend = Spend(usd=Decimal(16), unpriced_tokens=100)
    assert Ceiling(Decimal(20), "usd").reached(spend) == (80,)
    assert Ceiling(Decimal(100), "tokens").reached(spend) == (80, 100) and Ceiling(Decimal(100), "tokens").exhausted(spend)


def test_the_month_starts_on_the_first_at_midnight_utc():
    sao_paulo = dt.timezone(dt.timedelta(hours=-3))
    assert month_start(dt.datetime(2026, 2, 28, 22, 30, tzinfo=sao_paulo)) == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@given(st.decimals(min_value=0, max_value=1000, places=6), st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2))
def test_thresholds_are_reached_in_order_and_exhausted_is_100(spent, limit):
    ceiling = Ceiling(limit, "usd")
    reached = ceiling.reached(Spend(usd=spent))
    assert reached == (80, 100)[: len(reached)]
    assert ceiling.exhausted(Spend(usd=spent)) == (100 in reached) == (spent >= limit)
    assert (80 in reached) == (spent >= limit * Decimal("0.8"))
