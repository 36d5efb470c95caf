import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import tenants
from domain.tenant import Tenant


class PostgresTenantRepository(Repository):
    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def by_slug(self, slug: str) -> Tenant | None:
        return await self.session.scalar(sa.select(Tenant).where(tenants.c.slug == slug))

    async def listing(self) -> Sequence[Tenant]:
        return list(await self.session.scalars(sa.select(Tenant).order_by(tenants.c.slug)))
