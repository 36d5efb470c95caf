import attrs

from application.clock import Clock
from application.staff_identity import StaffIdentity, session_id
from application.unit_of_work import UnitOfWork


@attrs.define
class AuthenticateStaff:
    """The identity behind a session cookie's token: None when the session is unknown or expired,
    or its user was disabled since."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, token: str) -> StaffIdentity | None:
        session = await self.uow.staff_sessions.get(session_id(token))
        if session is None or not session.active(self.clock.now()):
            return None
        user = await self.uow.staff_users.get(session.tenant_id, session.user_id)
        tenant = await self.uow.tenants.get(session.tenant_id)
        if user is None or not user.may_sign_in or tenant is None:
            return None
        return StaffIdentity(
            user_id=user.id, tenant_id=user.tenant_id, email=user.email, role=user.role, tenant_name=tenant.name, timezone=tenant.timezone
        )
