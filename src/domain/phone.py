import re

import attrs

_NON_DIGITS = re.compile(r"\D+")


def _digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


def _check(instance: "Phone", attribute: attrs.Attribute, value: str) -> None:
    if not 8 <= len(value) <= 15:
        raise ValueError(f"a phone number has 8 to 15 digits, got {value!r}")


@attrs.frozen
class Phone:
    """A member's phone number as digits only (E.164 without '+'), the key that identifies them."""

    digits: str = attrs.field(converter=_digits, validator=_check)

    def __str__(self) -> str:
        return self.digits
