"""Staff logins: adding users, signing in with the rate limit, sessions that end."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.add_staff_user import AddStaffUser
from application.authenticate_staff import AuthenticateStaff
from application.disable_staff_user import DisableStaffUser
from application.errors import LoginRefused, StaffUserExists, TooManyLoginAttempts, UnknownTenant, WeakPassword
from application.log_in import LogIn
from application.log_out import LogOut
from domain.staff import StaffRole, StaffUser
from domain.tenant import Tenant
from tests.unit.fakes import FakeClock, FakePasswordHasher, FakeUnitOfWork

TENANT = Tenant(slug="arena", name="Arena")
PASSWORD = "correct horse battery"
TTL = dt.timedelta(hours=12)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.tenants.add(TENANT)
    return uow


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _user(uow: FakeUnitOfWork, clock: FakeClock, email: str = "Ana@Arena.com.br ", role: StaffRole = StaffRole.STAFF) -> StaffUser:
    return await AddStaffUser(uow, FakePasswordHasher(), clock).execute("arena", email, PASSWORD, role)


def _log_in(uow: FakeUnitOfWork, clock: FakeClock) -> LogIn:
    return LogIn(uow, FakePasswordHasher(), clock, TTL)


async def test_a_user_is_stored_with_a_normalized_address_and_a_hash(uow, clock):
    user = await _user(uow, clock, role=StaffRole.ADMIN)
    assert uow.committed and uow.staff_users.items == [user]
    assert user.email == "ana@arena.com.br" and user.role is StaffRole.ADMIN and user.tenant_id == TENANT.id
    assert user.password_hash != PASSWORD


async def test_an_address_has_one_login_whatever_its_case(uow, clock):
    await _user(uow, clock)
    with pytest.raises(StaffUserExists):
        await _user(uow, clock, email="ANA@arena.com.br")


async def test_a_short_password_or_an_unknown_tenant_is_refused(uow, clock):
    add = AddStaffUser(uow, FakePasswordHasher(), clock)
    with pytest.raises(WeakPassword):
        await add.execute("arena", "ana@arena.com.br", "1234567")
    with pytest.raises(UnknownTenant):
        await add.execute("nowhere", "ana@arena.com.br", PASSWORD)
    assert uow.staff_users.items == []


@given(st.text(max_size=30).filter(lambda text: "@" not in text or " " in text.strip()))
def test_an_address_without_an_at_sign_or_with_spaces_is_refused(text):
    with pytest.raises(ValueError):
        StaffUser(tenant_id=TENANT.id, email=text, password_hash="x", created_at=FakeClock.current)


async def test_logging_in_opens_a_session_that_authenticates_until_it_expires(uow, clock):
    user = await _user(uow, clock)
    signed_in = await _log_in(uow, clock).execute("ANA@arena.com.br", PASSWORD, "10.0.0.1")
    assert signed_in.session.id != signed_in.token  # the database keeps a digest
    identity = await AuthenticateStaff(uow, clock).execute(signed_in.token)
    assert identity is not None and identity.user_id == user.id and identity.tenant_id == TENANT.id
    assert await AuthenticateStaff(uow, clock).execute("forged") is None
    clock.current += TTL
    assert await AuthenticateStaff(uow, clock).execute(signed_in.token) is None


async def test_logging_out_ends_the_session(uow, clock):
    await _user(uow, clock)
    signed_in = await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.1")
    await LogOut(uow).execute(signed_in.token)
    assert await AuthenticateStaff(uow, clock).execute(signed_in.token) is None


async def test_a_disabled_user_cannot_log_in_and_loses_their_sessions(uow, clock):
    await _user(uow, clock)
    signed_in = await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.1")
    await DisableStaffUser(uow).execute("ana@arena.com.br")
    assert await AuthenticateStaff(uow, clock).execute(signed_in.token) is None
    with pytest.raises(LoginRefused):
        await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.1")


async def test_the_sixth_attempt_after_five_failures_in_a_minute_is_refused_even_with_the_right_password(uow, clock):
    await _user(uow, clock)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            await _log_in(uow, clock).execute("ana@arena.com.br", "wrong password", "10.0.0.1")
    assert uow.committed  # failures are kept although the login failed
    with pytest.raises(TooManyLoginAttempts):
        await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.2")
    clock.current += dt.timedelta(minutes=1, seconds=1)
    assert await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.2")


async def test_failures_from_one_address_count_across_accounts(uow, clock):
    await _user(uow, clock)
    for attempt in range(5):
        with pytest.raises(LoginRefused):
            await _log_in(uow, clock).execute(f"guess{attempt}@arena.com.br", "wrong password", "10.0.0.9")
    with pytest.raises(TooManyLoginAttempts):
        await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.9")
    assert await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.1")


async def test_failures_and_sessions_are_kept_no_longer_than_they_count(uow, clock):
    await _user(uow, clock)
    with pytest.raises(LoginRefused):
        await _log_in(uow, clock).execute("ana@arena.com.br", "wrong password", "10.0.0.1")
    old = await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.1")
    clock.current += TTL
    await _log_in(uow, clock).execute("ana@arena.com.br", PASSWORD, "10.0.0.1")
    assert uow.login_failures.items == []
    assert old.session not in uow.staff_sessions.items and len(uow.staff_sessions.items) == 1
