import datetime as dt
import secrets

import attrs

from application.clock import Clock
from application.errors import LoginRefused, TooManyLoginAttempts
from application.password_hasher import PasswordHasher
from application.staff_identity import session_id
from application.unit_of_work import UnitOfWork
from domain.staff import LoginFailure, StaffSession, normalize_email


@attrs.frozen
class LoginLimit:
    """At most `failures` wrong passwords per account, and per address, within `window`."""

    failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=1)


@attrs.frozen
class SignedIn:
    token: str  # for the cookie; the database keeps only its digest
    session: StaffSession


@attrs.define
class LogIn:
    """Checks an e-mail and password and opens a session. Failures are counted per account and per
    address (the client's IP); past the limit every attempt is refused, right password or not,
    until the window has passed."""

    uow: UnitOfWork
    hasher: PasswordHasher
    clock: Clock
    session_ttl: dt.timedelta
    limit: LoginLimit = attrs.field(factory=LoginLimit)
    # Verified when the address is unknown, so that an unknown address takes as long as a known one.
    _decoy: str | None = None

    async def execute(self, email: str, password: str, address: str) -> SignedIn:
        email, now = normalize_email(email), self.clock.now()
        since = now - self.limit.window
        if (
            await self.uow.login_failures.for_account(email, since) >= self.limit.failures
            or await self.uow.login_failures.from_address(address, since) >= self.limit.failures
        ):
            raise TooManyLoginAttempts("too many failed logins; try again in a minute")
        user = await self.uow.staff_users.by_email(email)
        if user is None:
            self._decoy = self._decoy or await self.hasher.hash(secrets.token_urlsafe())
            await self.hasher.verify(self._decoy, password)
        if user is None or not await self.hasher.verify(user.password_hash, password) or not user.may_sign_in:
            await self.uow.login_failures.record(LoginFailure(email=email, address=address, at=now))
            await self._forget(now, since)
            await self.uow.commit()
            raise LoginRefused("wrong e-mail or password")
        token = secrets.token_urlsafe(32)
        session = StaffSession(
            id=session_id(token), tenant_id=user.tenant_id, user_id=user.id, created_at=now, expires_at=now + self.session_ttl
        )
        self.uow.staff_sessions.add(session)
        await self._forget(now, since)
        await self.uow.commit()
        return SignedIn(token, session)

    async def _forget(self, now: dt.datetime, since: dt.datetime) -> None:
        """What no longer counts: failures older than the window (addresses typed at the form and
        where they came from are kept no longer than the limit needs them) and expired sessions."""
        await self.uow.login_failures.delete_before(since)
        await self.uow.staff_sessions.delete_expired(now)
