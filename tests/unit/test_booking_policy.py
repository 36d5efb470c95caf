import datetime as dt

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from domain.booking import BookingPolicy, ClassFull, InThePast, NotInTimetable, TooFarAhead, TooSoon, TrialLimitReached
from domain.flow import Period
from domain.tenant import ClassSlot, Modality, Tenant, TrialClassRules

SP = dt.timezone(dt.timedelta(hours=-3))
MUAY_THAI = Modality(
    name="Muay Thai",
    capacity=3,
    schedule=[
        ClassSlot(weekday="tue", start=dt.time(19), duration_minutes=60),
        ClassSlot(weekday="sat", start=dt.time(9), duration_minutes=60),
    ],
)
TENANT = Tenant(
    slug="ct", name="CT", modalities=[MUAY_THAI], trial_class=TrialClassRules(min_notice_hours=2, max_days_ahead=14, max_per_person=1)
)
POLICY = BookingPolicy(TENANT)
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SP)
TUESDAY_19 = dt.datetime(2026, 3, 3, 19, 0, tzinfo=SP)
SATURDAY_9 = dt.datetime(2026, 3, 7, 9, 0, tzinfo=SP)


def test_a_class_in_the_timetable_is_bookable():
    POLICY.check(MUAY_THAI, TUESDAY_19, MONDAY_10, booked_in_class=2, active_for_person=0)


def test_timezone_is_the_tenants():
    POLICY.check(MUAY_THAI, TUESDAY_19.astimezone(dt.UTC), MONDAY_10, 0, 0)


@pytest.mark.parametrize(
    ("starts_at", "now", "booked", "active", "error"),
    [
        (TUESDAY_19.replace(hour=18), MONDAY_10, 0, 0, NotInTimetable),
        (TUESDAY_19, TUESDAY_19 - dt.timedelta(hours=1), 0, 0, TooSoon),
        (TUESDAY_19, TUESDAY_19 + dt.timedelta(days=1), 0, 0, InThePast),
        (TUESDAY_19 + dt.timedelta(days=21), MONDAY_10, 0, 0, TooFarAhead),
        (TUESDAY_19, MONDAY_10, 3, 0, ClassFull),
        (TUESDAY_19, MONDAY_10, 0, 1, TrialLimitReached),
    ],
)
def test_each_rule(starts_at, now, booked, active, error):
    with pytest.raises(error):
        POLICY.check(MUAY_THAI, starts_at, now, booked, active)


def test_bookable_classes_respect_notice_and_horizon():
    found = list(POLICY.bookable_classes(MUAY_THAI, TUESDAY_19 - dt.timedelta(hours=1)))
    assert found[0] == dt.datetime(2026, 3, 7, 9, 0, tzinfo=SP).astimezone(TENANT.zone)
    assert all(f - TUESDAY_19 < dt.timedelta(days=15) for f in found)


instants = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(dt.UTC))


# Requests worth asking: mostly the starts of real classes (a Tuesday 19h or a Saturday 9h, or a
# minute off), asked from a moment between three weeks before and a day after; otherwise random
# instants. Purely random instants almost never land on a class, and nothing would be accepted.
_class_starts = st.builds(
    lambda week, saturday, minutes_off: (SATURDAY_9 if saturday else TUESDAY_19) + dt.timedelta(weeks=week, minutes=minutes_off),
    st.integers(-4, 40),
    st.booleans(),
    st.sampled_from([0, 0, 0, 1, -1]),
)
_requests = st.one_of(
    st.tuples(instants, instants),
    _class_starts.flatmap(
        lambda starts_at: st.tuples(
            st.just(starts_at), st.builds(lambda hours: starts_at - dt.timedelta(hours=hours), st.floats(-24, 21 * 24, allow_nan=False))
        )
    ),
)


def _accepted(starts_at: dt.datetime, now: dt.datetime, booked: int, active: int) -> bool:
    try:
        POLICY.check(MUAY_THAI, starts_at, now, booked, active)
    except (NotInTimetable, TooSoon, TooFarAhead, InThePast, ClassFull, TrialLimitReached):
        return False
    return True


@given(request=_requests, booked=st.integers(0, 6), active=st.integers(0, 3))
def test_never_books_outside_the_rules(request, booked, active):
    """Whatever is asked, an accepted booking is in the timetable, after the notice, within the
    horizon, under capacity and within the person's limit."""
    starts_at, now = request
    if not _accepted(starts_at, now, booked, active):
        return
    local = starts_at.astimezone(TENANT.zone)
    assert (local.weekday(), local.time()) in {(1, dt.time(19)), (5, dt.time(9))}
    assert starts_at >= now + dt.timedelta(hours=2)
    assert local.date() <= now.astimezone(TENANT.zone).date() + dt.timedelta(days=14)
    assert booked < MUAY_THAI.capacity and active < 1


def test_the_requests_above_reach_accepted_bookings():
    """Without this, the property above could pass by refusing everything it is shown."""
    # Derandomized: a search that found an accepted booking by luck would fail now and then.
    search = settings(derandomize=True, max_examples=2_000, database=None)
    find(st.tuples(_requests, st.integers(0, 6), st.integers(0, 3)), lambda case: _accepted(*case[0], *case[1:]), settings=search)


@given(now=instants)
def test_every_offered_class_is_bookable(now):
    for starts_at in POLICY.bookable_classes(MUAY_THAI, now):
        POLICY.check(MUAY_THAI, starts_at, now, booked_in_class=0, active_for_person=0)


@pytest.mark.parametrize(
    ("day", "time", "period", "expected"),
    [
        (TUESDAY_19.date(), dt.time(7), None, [TUESDAY_19]),  # "terça às 7h": only 19h exists
        (SATURDAY_9.date(), dt.time(9), None, [SATURDAY_9]),  # 9h exists: no 21h guess
        (TUESDAY_19.date(), dt.time(7), Period.MORNING, []),  # "7 da manhã" is not 19h
        (None, None, Period.MORNING, [SATURDAY_9]),  # the soonest morning class
        (None, dt.time(19), None, [TUESDAY_19]),
        (SATURDAY_9.date(), None, Period.EVENING, []),
    ],
)
def test_classes_matching_what_the_member_said(day, time, period, expected):
    assert POLICY.classes_matching(MUAY_THAI, MONDAY_10, day, time, period) == expected
