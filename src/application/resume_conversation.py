import attrs

from application.errors import UnknownTenant
from application.unit_of_work import UnitOfWork
from domain.phone import Phone


@attrs.define
class ResumeConversation:
    """Staff hand a conversation back to the bot. Returns False when there was nothing to resume."""

    uow: UnitOfWork

    async def execute(self, tenant_slug: str, phone: Phone) -> bool:
        tenant = await self.uow.tenants.by_slug(tenant_slug)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_slug!r}")
        client = await self.uow.clients.by_phone(tenant.id, phone)
        conversation = await self.uow.conversations.latest_for_client(tenant.id, client.id) if client else None
        if conversation is None:
            return False
        conversation.resume()
        await self.uow.commit()
        return True
