from collections.abc import Sequence

import attrs

from application.errors import UnknownTenant
from application.unit_of_work import UnitOfWork
from domain.staff import StaffUser


@attrs.frozen
class StaffUserView:
    tenant: str  # the tenant's slug
    user: StaffUser


@attrs.define
class ListStaffUsers:
    uow: UnitOfWork

    async def execute(self, tenant_slug: str | None = None) -> Sequence[StaffUserView]:
        tenant_id = None
        if tenant_slug is not None:
            tenant = await self.uow.tenants.by_slug(tenant_slug)
            if tenant is None:
                raise UnknownTenant(f"no tenant {tenant_slug!r}")
            tenant_id = tenant.id
        slugs: dict[object, str] = {}
        views = []
        for user in await self.uow.staff_users.listing(tenant_id):
            if user.tenant_id not in slugs:
                found = await self.uow.tenants.get(user.tenant_id)
                slugs[user.tenant_id] = found.slug if found else str(user.tenant_id)
            views.append(StaffUserView(slugs[user.tenant_id], user))
        return views
