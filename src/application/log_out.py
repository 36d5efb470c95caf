import attrs

from application.staff_identity import session_id
from application.unit_of_work import UnitOfWork


@attrs.define
class LogOut:
    uow: UnitOfWork

    async def execute(self, token: str) -> None:
        await self.uow.staff_sessions.delete(session_id(token))
        await self.uow.commit()
