import datetime as dt

import attrs
import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import login_failures
from domain.staff import LoginFailure


class PostgresLoginFailureRepository(Repository):
    async def record(self, failure: LoginFailure) -> None:
        await self.session.execute(sa.insert(login_failures).values(attrs.asdict(failure)))

    async def _count(self, condition: sa.ColumnElement[bool], since: dt.datetime) -> int:
        query = sa.select(sa.func.count()).select_from(login_failures).where(condition, login_failures.c.at >= since)
        return int(await self.session.scalar(query) or 0)

    async def for_account(self, email: str, since: dt.datetime) -> int:
        return await self._count(login_failures.c.email == email, since)

    async def from_address(self, address: str, since: dt.datetime) -> int:
        return await self._count(login_failures.c.address == address, since)

    async def delete_before(self, cutoff: dt.datetime) -> int:
        return await self._affected(sa.delete(login_failures).where(login_failures.c.at < cutoff))
