from typing import Any, cast

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


@attrs.define
class Repository:
    session: AsyncSession

    def add(self, entity: object) -> None:
        self.session.add(entity)

    async def _affected(self, statement: sa.Update | sa.Delete) -> int:
        """Runs an UPDATE or a DELETE; the number of rows it changed."""
        return cast(sa.CursorResult[Any], await self.session.execute(statement)).rowcount
