import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import staff_users
from domain.staff import StaffUser


class PostgresStaffUserRepository(Repository):
    async def by_email(self, email: str) -> StaffUser | None:
        return await self.session.scalar(sa.select(StaffUser).where(staff_users.c.email == email))

    async def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> StaffUser | None:
        return await self.session.scalar(sa.select(StaffUser).where(staff_users.c.tenant_id == tenant_id, staff_users.c.id == user_id))

    async def listing(self, tenant_id: uuid.UUID | None) -> Sequence[StaffUser]:
        query = sa.select(StaffUser).order_by(staff_users.c.tenant_id, staff_users.c.email)
        if tenant_id is not None:
            query = query.where(staff_users.c.tenant_id == tenant_id)
        return (await self.session.scalars(query)).all()
