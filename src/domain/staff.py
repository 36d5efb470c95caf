"""The center's staff who use the dashboard, and their signed-in sessions."""

import datetime as dt
import uuid
from enum import StrEnum

import attrs

# RFC 5321's limit for a whole address.
EMAIL_MAX = 254


class StaffRole(StrEnum):
    STAFF = "staff"  # answers members, handles trial classes
    ADMIN = "admin"  # also manages the tenant's staff users


def normalize_email(email: str) -> str:
    """Addresses compare case-insensitively: people type theirs as they please."""
    return email.strip().lower()


def _email(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    local, at, domain = value.partition("@")
    if not (local and at and "." in domain) or len(value) > EMAIL_MAX or any(c.isspace() for c in value):
        raise ValueError(f"not an e-mail address: {value!r}")


@attrs.define(slots=False, kw_only=True)
class StaffUser:
    """A person of one tenant who signs in to the dashboard. The e-mail address is unique across
    the deployment: the login form asks for it alone, not for the tenant."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    email: str = attrs.field(converter=normalize_email, validator=_email)
    role: StaffRole = StaffRole.STAFF
    password_hash: str = attrs.field(repr=False)
    disabled: bool = False
    created_at: dt.datetime

    @property
    def may_sign_in(self) -> bool:
        return not self.disabled

    def disable(self) -> None:
        self.disabled = True


@attrs.define(slots=False, kw_only=True)
class StaffSession:
    """A signed-in browser. `id` is a digest of the cookie's token, never the token itself, so the
    table's rows cannot be replayed as cookies."""

    id: str
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.created_at:
            raise ValueError("a session expires after it starts")

    def active(self, now: dt.datetime) -> bool:
        return now < self.expires_at


@attrs.frozen(kw_only=True)
class LoginFailure:
    """A wrong password (or an unknown address) given at the login form: what the rate limit counts."""

    email: str
    address: str
    at: dt.datetime
