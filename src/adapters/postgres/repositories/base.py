import uuid
from typing import Any, cast

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.postgres.session import scope_to_system, scope_to_tenant


@attrs.define
class Repository:
    session: AsyncSession

    async def _tenant(self, tenant_id: uuid.UUID) -> None:
        """Row-level security's scope for what follows in the transaction: every method that
        names a tenant calls it first, and the policies hide every other tenant's rows."""
        await scope_to_tenant(self.session, tenant_id)

    async def _system(self) -> None:
        """Every tenant's rows, for the few methods that work across tenants by design."""
        await scope_to_system(self.session)

    def add(self, entity: object) -> None:
        self.session.add(entity)

    async def _affected(self, statement: sa.Update | sa.Delete) -> int:
        """Runs an UPDATE or a DELETE; the number of rows it changed."""
        return cast(sa.CursorResult[Any], await self.session.execute(statement)).rowcount
