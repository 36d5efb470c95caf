import datetime as dt
from collections.abc import Sequence

import attrs

from application.members import tenant_by_slug
from application.unit_of_work import UnitOfWork
from domain.phone import Phone


@attrs.frozen(kw_only=True)
class ErasureRequestView:
    tenant: str  # slug
    phone: Phone | None  # None once erased
    requested_at: dt.datetime
    deadline: dt.datetime
    fulfilled_at: dt.datetime | None


@attrs.define
class ListErasureRequests:
    """The members' erasure requests for staff: pending first, each with its legal deadline."""

    uow: UnitOfWork

    async def execute(self, tenant_slug: str | None) -> Sequence[ErasureRequestView]:
        tenant_id = (await tenant_by_slug(self.uow, tenant_slug)).id if tenant_slug else None
        views = []
        for request in await self.uow.erasure_requests.listing(tenant_id):
            tenant = await self.uow.tenants.get(request.tenant_id)
            client = await self.uow.clients.get(request.tenant_id, request.client_id) if request.client_id else None
            views.append(
                ErasureRequestView(
                    tenant=tenant.slug if tenant else str(request.tenant_id),
                    phone=client.phone if client else None,
                    requested_at=request.requested_at,
                    deadline=request.deadline,
                    fulfilled_at=request.fulfilled_at,
                )
            )
        return views
