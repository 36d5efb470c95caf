"""What a model call costs: tokens priced by a table of USD per million tokens. A model the table
does not know costs None (unknown), never 0: a free call and an unpriced one must not look alike."""

import re
from collections.abc import Mapping
from decimal import Decimal

import attrs

MILLION = Decimal(1_000_000)
# OpenAI answers with a dated snapshot ("gpt-4o-mini-2024-07-18") of the model asked; it costs
# what its model does.
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def _not_negative(instance: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@attrs.frozen
class Tokens:
    """A call's tokens as the provider counts them: `cached` is the part of `prompt` served from
    the provider's prefix cache (billed at the cached price)."""

    prompt: int = attrs.field(default=0, validator=_not_negative)
    cached: int = attrs.field(default=0, validator=_not_negative)
    completion: int = attrs.field(default=0, validator=_not_negative)

    @property
    def total(self) -> int:
        return self.prompt + self.completion


@attrs.frozen
class Price:
    """USD per million tokens."""

    input: Decimal
    cached_input: Decimal
    output: Decimal


@attrs.frozen
class PriceTable:
    version: str  # recorded with every cost, so a cost can be traced to the prices it used
    prices: Mapping[str, Price]

    def price(self, model: str) -> Price | None:
        return self.prices.get(model) or self.prices.get(_SNAPSHOT.sub("", model))

    def cost(self, model: str, tokens: Tokens) -> Decimal | None:
        price = self.price(model)
        if price is None:
            return None
        cached = min(tokens.cached, tokens.prompt)
        return ((tokens.prompt - cached) * price.input + cached * price.cached_input + tokens.completion * price.output) / MILLION

    def overriding(self, model: str, price: Price) -> "PriceTable":
        """This table with `model` at `price` (set in the environment); the version says so."""
        version = f"env:{model}={price.input}/{price.cached_input}/{price.output}"
        return PriceTable(version=version, prices={**self.prices, model: price})
