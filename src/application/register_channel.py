import attrs

from application.errors import UnknownChannel, UnknownTenant
from application.unit_of_work import UnitOfWork
from domain.channel import Channel, ChannelKind


@attrs.define
class RegisterChannel:
    """Connects a WhatsApp instance to a tenant, or updates its address and key (a disabled
    channel stays disabled: the environment's channel is registered again at every start)."""

    uow: UnitOfWork

    async def execute(self, tenant_slug: str, name: str, api_url: str | None, api_key: str | None) -> Channel:
        tenant = await self.uow.tenants.by_slug(tenant_slug)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_slug!r}")
        channel = await self.uow.channels.by_name(name)
        if channel is None:
            channel = Channel(tenant_id=tenant.id, kind=ChannelKind.EVOLUTION, name=name)
            self.uow.channels.add(channel)
        elif channel.tenant_id != tenant.id:
            raise UnknownTenant(f"channel {name!r} belongs to another tenant")
        elif channel.kind != ChannelKind.EVOLUTION:
            raise UnknownChannel(f"channel {name!r} is a {channel.kind} channel, not an Evolution instance")
        channel.api_url, channel.api_key = api_url, api_key
        await self.uow.commit()
        return channel
