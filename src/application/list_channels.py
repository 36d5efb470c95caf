from collections.abc import Sequence

import attrs

from application.unit_of_work import UnitOfWork
from domain.channel import Channel


@attrs.frozen
class ChannelView:
    channel: Channel
    tenant: str  # its tenant's slug


@attrs.frozen
class TenantView:
    slug: str
    name: str
    channels: Sequence[str]  # names, the terminal's included


@attrs.define
class ListChannels:
    """The deployment's tenants and the channels members reach them through, for the operator."""

    uow: UnitOfWork

    async def channels(self) -> list[ChannelView]:
        slugs = {tenant.id: tenant.slug for tenant in await self.uow.tenants.listing()}
        return [ChannelView(channel, slugs.get(channel.tenant_id, "?")) for channel in await self.uow.channels.listing()]

    async def tenants(self) -> list[TenantView]:
        channels = await self.uow.channels.listing()
        return [
            TenantView(tenant.slug, tenant.name, [c.name for c in channels if c.tenant_id == tenant.id])
            for tenant in await self.uow.tenants.listing()
        ]
