"""A call's cost from its tokens: cached prompt tokens at their own price, an unknown model at None."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from adapters.openai.prices import PRICES
from application.pricing import Price, PriceTable, Tokens

TABLE = PriceTable(version="v1", prices={"m": Price(input=Decimal("2"), cached_input=Decimal("0.5"), output=Decimal("8"))})


def test_prompt_cached_and_completion_tokens_each_at_their_price():
    # 1,000 prompt tokens of which 400 cached, and 100 completion tokens.
    assert TABLE.cost("m", Tokens(prompt=1000, cached=400, completion=100)) == Decimal("0.0022")  # (600*2 + 400*0.5 + 100*8) / 1e6


def test_a_model_without_a_price_costs_none_not_zero():
    assert TABLE.cost("llama3", Tokens(prompt=1000, completion=10)) is None
    assert TABLE.cost("m", Tokens()) == 0


def test_a_dated_snapshot_costs_what_its_model_does():
    tokens = Tokens(prompt=1200, cached=1024, completion=80)
    assert PRICES.cost("gpt-4o-mini-2024-07-18", tokens) == PRICES.cost("gpt-4o-mini", tokens) is not None
    assert PRICES.cost("gpt-4o-mini-high", tokens) is None


def test_a_price_from_the_environment_replaces_the_tables_and_says_so():
    price = Price(input=Decimal("1"), cached_input=Decimal("1"), output=Decimal("1"))
    table = PRICES.overriding("llama3", price)
    assert table.cost("llama3", Tokens(prompt=500_000, completion=500_000)) == 1
    assert table.version == "env:llama3=1/1/1" and table.cost("gpt-4o", Tokens(prompt=1)) == PRICES.cost("gpt-4o", Tokens(prompt=1))


counts = st.integers(min_value=0, max_value=10_000_000)


@given(prompt=counts, cached=counts, completion=counts)
def test_the_cache_never_makes_a_call_dearer_and_cost_grows_with_tokens(prompt, cached, completion):
    for model in PRICES.prices:
        uncached = PRICES.cost(model, Tokens(prompt=prompt, completion=completion))
        with_cache = PRICES.cost(model, Tokens(prompt=prompt, cached=cached, completion=completion))
        assert uncached is not None and with_cache is not None
        assert 0 <= with_cache <= uncached <= PRICES.cost(model, Tokens(prompt=prompt + 1, completion=completion + 1))
