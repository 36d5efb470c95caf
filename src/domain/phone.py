import re

import attrs

_NON_DIGITS = re.compile(r"\D+")
# A Brazilian mobile: 55, the area code, the ninth digit, eight digits starting 6-9.
_BRAZILIAN_MOBILE = re.compile(r"55(\d{2})9([6-9]\d{7})")
# The same mobile as it was written before the ninth digit (landlines start 2-5).
_BRAZILIAN_MOBILE_WITHOUT_NINTH = re.compile(r"55(\d{2})([6-9]\d{7})")


def _digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


def _check(instance: "Phone", attribute: "attrs.Attribute[str]", value: str) -> None:
    if not 8 <= len(value) <= 15:
        raise ValueError(f"a phone number has 8 to 15 digits, got {value!r}")


@attrs.frozen
class Phone:
    """A member's phone number as digits only (E.164 without '+'), the key that identifies them."""

    digits: str = attrs.field(converter=_digits, validator=_check)

    def __str__(self) -> str:
        return self.digits

    def same_line(self, other: "Phone") -> bool:
        """Whether both reach the same phone. Brazilian mobiles gained a ninth digit (2012-2016),
        and WhatsApp still addresses many older accounts without it, so `5531988887777` and
        `553188887777` are one line."""
        return self.digits == other.digits or _without_ninth_digit(self.digits) == _without_ninth_digit(other.digits)

    @property
    def masked(self) -> str:
        """For screens that need to tell members apart without showing their number: the last 4 digits."""
        return f"•••• {self.digits[-4:]}"

    def line_forms(self) -> tuple[str, ...]:
        """The digits WhatsApp may know this line by (see `same_line`): these, and for a
        Brazilian mobile the other ninth-digit form as well."""
        if (old := _BRAZILIAN_MOBILE_WITHOUT_NINTH.fullmatch(self.digits)) is not None:
            return self.digits, f"55{old.group(1)}9{old.group(2)}"
        if (other := _without_ninth_digit(self.digits)) != self.digits:
            return self.digits, other
        return (self.digits,)


def _without_ninth_digit(digits: str) -> str:
    mobile = _BRAZILIAN_MOBILE.fullmatch(digits)
    return f"55{mobile.group(1)}{mobile.group(2)}" if mobile else digits
