import attrs

from application.clock import Clock
from application.errors import UnknownTenant
from application.unit_of_work import UnitOfWork
from domain.phone import Phone


@attrs.define
class ResumeConversation:
    """Staff hand a conversation back to the bot. Returns False when there was nothing to resume."""

    uow: UnitOfWork

    clock: Clock

    async def execute(self, tenant_slug: str, phone: Phone, cause: str = "resumed by staff (tatame resume)") -> bool:
        tenant = await self.uow.tenants.by_slug(tenant_slug)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_slug!r}")
        client = await self.uow.clients.by_phone(tenant.id, phone)
        conversation = await self.uow.conversations.latest_for_client(tenant.id, client.id) if client else None
        if conversation is None:
            return False
        if change := conversation.resume(self.clock.now(), cause):
            self.uow.status_changes.add(change)
        await self.uow.commit()
        return True
