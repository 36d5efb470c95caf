import attrs

from application.clock import Clock
from application.errors import StaffUserExists, UnknownTenant, WeakPassword
from application.password_hasher import PasswordHasher
from application.unit_of_work import UnitOfWork
from domain.staff import StaffRole, StaffUser, normalize_email

# NIST SP 800-63B's floor for a password the user chose.
MIN_PASSWORD = 8


@attrs.define
class AddStaffUser:
    """Gives a person of a tenant a dashboard login."""

    uow: UnitOfWork
    hasher: PasswordHasher
    clock: Clock

    async def execute(self, tenant_slug: str, email: str, password: str, role: StaffRole = StaffRole.STAFF) -> StaffUser:
        tenant = await self.uow.tenants.by_slug(tenant_slug)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_slug!r}")
        if len(password) < MIN_PASSWORD:
            raise WeakPassword(f"a password has at least {MIN_PASSWORD} characters")
        if await self.uow.staff_users.by_email(normalize_email(email)):
            raise StaffUserExists(f"{normalize_email(email)} already has a login (addresses are unique across tenants)")
        user = StaffUser(
            tenant_id=tenant.id, email=email, role=role, password_hash=await self.hasher.hash(password), created_at=self.clock.now()
        )
        self.uow.staff_users.add(user)
        await self.uow.commit()
        return user
