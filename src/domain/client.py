import unicodedata
import uuid

import attrs

from domain.phone import Phone

# A name is said back in a booking summary and shown to staff: a line, not a page. Channels
# deliver whatever the sender's profile holds (a 1 MB WhatsApp pushName was stored whole).
MAX_NAME = 100
# They reorder what follows them on screen, so a name could show one thing and be another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _printable(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":  # tabs, newlines, NUL ...: a break between words at most
        return " "
    if category == "Cs" or char in _BIDI_CONTROLS:  # a lone surrogate cannot even be stored
        return ""
    return char


def clean_name(raw: str | None) -> str | None:
    """A person's name fit to store and say: one line, words one space apart, no control,
    bidi-control or unpaired surrogate characters, at most `MAX_NAME` characters; None when
    nothing is left."""
    if raw is None:
        return None
    # Reading a bounded prefix keeps a megabyte of name from costing a megabyte of work.
    words = "".join(_printable(char) for char in raw[: 10 * MAX_NAME]).split()
    return " ".join(words)[:MAX_NAME].rstrip() or None


@attrs.define(slots=False, kw_only=True)
class Client:
    """A member or lead of one tenant: a person, known by phone number. The addresses channels
    reach them at (`domain.address.Address`) are kept apart, by the channels' adapters."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    phone: Phone
    name: str | None = None

    def learn_name(self, name: str) -> None:
        self.name = clean_name(name) or self.name
