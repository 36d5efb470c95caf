import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import status_changes
from domain.conversation import StatusChange


class PostgresStatusChangeRepository(Repository):
    """The handoff's audit trail: appended by use cases, read by people (an export, the dashboard)."""

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[StatusChange]:
        await self._tenant(tenant_id)
        query = sa.select(StatusChange).where(status_changes.c.tenant_id == tenant_id, status_changes.c.conversation_id == conversation_id)
        return (await self.session.scalars(query.order_by(status_changes.c.at))).all()

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(
            sa.delete(status_changes).where(status_changes.c.tenant_id == tenant_id, status_changes.c.conversation_id.in_(conversation_ids))
        )
