import attrs

from application import replies
from application.clock import Clock
from application.unit_of_work import UnitOfWork
from domain.client import Client
from domain.erasure import ErasureRequest
from domain.tenant import Tenant


@attrs.define
class RecordErasureRequest:
    """A member asked for their data to be erased: the request is stored for staff (who erase with
    `tatame members erase`) and the member told by when. Asking again while it is pending is the
    same request. Runs inside the caller's unit of work; the caller commits."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, tenant: Tenant, client: Client) -> str:
        request = await self.uow.erasure_requests.pending_for_client(tenant.id, client.id)
        if request is None:
            request = ErasureRequest(tenant_id=tenant.id, client_id=client.id, requested_at=self.clock.now())
            self.uow.erasure_requests.add(request)
        return replies.erasure_requested(tenant, request.deadline.astimezone(tenant.zone))
