import attrs

from application.errors import UnknownTenant
from application.unit_of_work import UnitOfWork
from domain.channel import Channel


@attrs.define
class RegisterChannel:
    """Connects a WhatsApp instance to a tenant, or updates its address and key."""

    uow: UnitOfWork

    async def execute(self, tenant_slug: str, name: str, api_url: str | None, api_key: str | None) -> Channel:
        tenant = await self.uow.tenants.by_slug(tenant_slug)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_slug!r}")
        channel = await self.uow.channels.by_name(name)
        if channel is None:
            channel = Channel(tenant_id=tenant.id, kind="evolution", name=name)
            self.uow.channels.add(channel)
        elif channel.tenant_id != tenant.id:
            raise UnknownTenant(f"channel {name!r} belongs to another tenant")
        channel.api_url, channel.api_key = api_url, api_key
        await self.uow.commit()
        return channel
