import attrs

from application.errors import UnknownStaffUser
from application.unit_of_work import UnitOfWork
from domain.staff import normalize_email


@attrs.define
class DisableStaffUser:
    """Takes a person's login away; their open sessions end at once. The user stays on record:
    status changes name them."""

    uow: UnitOfWork

    async def execute(self, email: str) -> None:
        user = await self.uow.staff_users.by_email(normalize_email(email))
        if user is None:
            raise UnknownStaffUser(f"no staff user {normalize_email(email)}")
        user.disable()
        await self.uow.staff_sessions.delete_for_user(user.tenant_id, user.id)
        await self.uow.commit()
