import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import erasure_requests
from domain.erasure import ErasureRequest


class PostgresErasureRequestRepository(Repository):
    async def pending_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> ErasureRequest | None:
        await self._tenant(tenant_id)
        query = sa.select(ErasureRequest).where(
            erasure_requests.c.tenant_id == tenant_id, erasure_requests.c.client_id == client_id, erasure_requests.c.fulfilled_at.is_(None)
        )
        return await self.session.scalar(query)

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[ErasureRequest]:
        await self._tenant(tenant_id)
        query = sa.select(ErasureRequest).where(erasure_requests.c.tenant_id == tenant_id, erasure_requests.c.client_id == client_id)
        return (await self.session.scalars(query.order_by(erasure_requests.c.requested_at))).all()

    async def fulfil_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID, now: dt.datetime) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        theirs = sa.update(erasure_requests).where(erasure_requests.c.tenant_id == tenant_id, erasure_requests.c.client_id == client_id)
        fulfilled = await self._affected(theirs.where(erasure_requests.c.fulfilled_at.is_(None)).values(fulfilled_at=now))
        await self.session.execute(theirs.values(client_id=None))
        return fulfilled

    async def listing(self, tenant_id: uuid.UUID | None) -> Sequence[ErasureRequest]:
        query = sa.select(ErasureRequest).order_by(erasure_requests.c.fulfilled_at.is_not(None), erasure_requests.c.requested_at)
        if tenant_id is None:  # every center's, for the operator (`tatame erasures`)
            await self._system()
        else:
            await self._tenant(tenant_id)
            query = query.where(erasure_requests.c.tenant_id == tenant_id)
        return (await self.session.scalars(query)).all()
