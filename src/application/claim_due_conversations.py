import datetime as dt
import uuid
from collections.abc import Sequence

import attrs

from application.clock import Clock
from application.unit_of_work import UnitOfWork


@attrs.define
class ClaimDueConversations:
    """Hands a worker the conversations whose burst is due, each held for `lease` so no other
    worker takes it meanwhile. A worker that dies lets the lease run out and another takes over."""

    uow: UnitOfWork
    clock: Clock
    lease: dt.timedelta

    async def execute(self, limit: int, channel_kind: str) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
        claimed = await self.uow.conversations.claim_due(self.clock.now(), self.lease, limit, channel_kind)
        await self.uow.commit()
        return claimed

    async def release(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
        await self.uow.conversations.release(tenant_id, conversation_id)
        await self.uow.commit()
