import hashlib
import uuid

import attrs

from domain.staff import StaffRole


@attrs.frozen
class StaffIdentity:
    """Who a signed-in request comes from. Every dashboard query takes its tenant from here."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    role: StaffRole
    tenant_name: str = ""  # shown in the page header
    timezone: str = "America/Sao_Paulo"  # the tenant's: times are shown as the center reads its clock


def session_id(token: str) -> str:
    """What the database keeps of a session's token: its SHA-256 (the token is 256 random bits, so
    no salt or slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
