import uuid

import attrs

from domain.phone import Phone


@attrs.define(slots=False, kw_only=True)
class Client:
    """A member or lead of one tenant, known by phone number."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    phone: Phone
    name: str | None = None
    lid: str | None = None  # WhatsApp's privacy alias ("...@lid"): another address of the same person

    def learn_name(self, name: str) -> None:
        name = " ".join(name.split())
        if name:
            self.name = name
