import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import escalations
from domain.escalation import Escalation


class PostgresEscalationRepository(Repository):
    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Escalation]:
        await self._tenant(tenant_id)
        query = sa.select(Escalation).where(escalations.c.tenant_id == tenant_id, escalations.c.conversation_id == conversation_id)
        return (await self.session.scalars(query.order_by(escalations.c.created_at))).all()

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(
            sa.delete(escalations).where(escalations.c.tenant_id == tenant_id, escalations.c.conversation_id.in_(conversation_ids))
        )
