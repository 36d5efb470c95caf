"""OpenAI's list prices, USD per million tokens (input, cached input, output), as published when
`VERSION` was set. Change the version with any price, so recorded costs keep saying which prices
they used; a deployment on other terms sets LLM_PRICE_* for its model instead."""

from decimal import Decimal

from application.pricing import Price, PriceTable

VERSION = "openai-2025-08"


def _price(input: str, cached_input: str, output: str) -> Price:
    return Price(input=Decimal(input), cached_input=Decimal(cached_input), output=Decimal(output))


PRICES = PriceTable(
    version=VERSION,
    prices={
        "gpt-4o-mini": _price("0.15", "0.075", "0.60"),
        "gpt-4o": _price("2.50", "1.25", "10.00"),
        "gpt-4.1": _price("2.00", "0.50", "8.00"),
        "gpt-4.1-mini": _price("0.40", "0.10", "1.60"),
        "gpt-4.1-nano": _price("0.10", "0.025", "0.40"),
        # Embeddings bill their input only, and no cache discount.
        "text-embedding-3-small": _price("0.02", "0.02", "0"),
        "text-embedding-3-large": _price("0.13", "0.13", "0"),
    },
)
