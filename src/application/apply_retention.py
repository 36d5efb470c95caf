import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

import attrs

from application.clock import Clock
from application.forget_conversations import forget_conversations
from application.unit_of_work import UnitOfWork
from domain.erasure import Erasure

RETENTION_CAUSE = "retention"


@attrs.define
class ApplyRetention:
    """Deletes the conversations (their messages, outbox entries, escalations, status changes) whose
    last activity is older than `keep`, across tenants; their trial classes stay booked, unlinked
    from the conversation. Idempotent, so several workers running it the same day do no harm.
    Returns an audit row per tenant that lost something."""

    uow: UnitOfWork
    clock: Clock
    keep: dt.timedelta

    async def execute(self) -> Sequence[Erasure]:
        now = self.clock.now()
        by_tenant: defaultdict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for tenant_id, conversation_id in await self.uow.conversations.inactive_before(now - self.keep):
            by_tenant[tenant_id].append(conversation_id)
        erasures = []
        for tenant_id, conversation_ids in by_tenant.items():
            await self.uow.trial_classes.detach_from_conversations(tenant_id, conversation_ids)
            forgotten = await forget_conversations(self.uow, tenant_id, conversation_ids)
            erasure = Erasure(tenant_id=tenant_id, cause=RETENTION_CAUSE, at=now, **attrs.asdict(forgotten))
            self.uow.erasures.add(erasure)
            erasures.append(erasure)
        await self.uow.commit()
        return erasures
