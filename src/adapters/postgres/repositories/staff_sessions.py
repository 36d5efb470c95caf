import datetime as dt
import uuid

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import staff_sessions
from domain.staff import StaffSession


class PostgresStaffSessionRepository(Repository):
    async def get(self, session_id: str) -> StaffSession | None:
        return await self.session.get(StaffSession, session_id)

    async def delete(self, session_id: str) -> None:
        await self._affected(sa.delete(staff_sessions).where(staff_sessions.c.id == session_id))

    async def delete_for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
        return await self._affected(
            sa.delete(staff_sessions).where(staff_sessions.c.tenant_id == tenant_id, staff_sessions.c.user_id == user_id)
        )

    async def delete_expired(self, now: dt.datetime) -> int:
        return await self._affected(sa.delete(staff_sessions).where(staff_sessions.c.expires_at <= now))
