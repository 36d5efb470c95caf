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

    def learn_name(self, name: str) -> None:
        name = " ".join(name.split())
        if name:
            self.name = name
