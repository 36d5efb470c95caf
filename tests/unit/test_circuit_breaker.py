"""The circuit's state from the latest calls' outcomes: open after a streak of provider failures,
half open once the cooldown has passed, closed by any call the provider answered."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.circuit_breaker import CircuitBreaker, CircuitState, is_provider_failure
from application.model_usage import CallOutcome

NOW = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)
BREAKER = CircuitBreaker(failures=3, cooldown=dt.timedelta(seconds=60))


def latest(*outcomes: str, last_at: dt.datetime = NOW) -> list[CallOutcome]:
    """Newest first, a second apart."""
    return [CallOutcome(outcome, last_at - dt.timedelta(seconds=i)) for i, outcome in enumerate(outcomes)]


@pytest.mark.parametrize("outcome", ["timeout", "connection", "status 429", "status 500", "status 503"])
def test_provider_failures(outcome):
    assert is_provider_failure(outcome)


@pytest.mark.parametrize("outcome", ["ok", "status 400", "status 401", "invalid JSON", "empty reply", "refusal", "invalid response body"])
def test_failures_that_are_not_the_providers(outcome):
    assert not is_provider_failure(outcome)


def test_open_for_the_cooldown_after_the_newest_failure_then_half_open():
    failing = latest("status 500", "timeout", "status 429")
    assert BREAKER.state(failing, NOW).state is CircuitState.OPEN
    assert BREAKER.state(failing, NOW + dt.timedelta(seconds=59)).until == NOW + dt.timedelta(seconds=60)
    assert BREAKER.state(failing, NOW + dt.timedelta(seconds=60)).state is CircuitState.HALF_OPEN


def test_a_failed_test_call_opens_it_for_another_cooldown_and_a_good_one_closes_it():
    later = NOW + dt.timedelta(seconds=61)
    assert BREAKER.state(latest("timeout", "status 500", "timeout", "status 429", last_at=later), later).state is CircuitState.OPEN
    assert BREAKER.state(latest("ok", "status 500", "timeout", "status 429", last_at=later), later).state is CircuitState.CLOSED


@pytest.mark.parametrize("outcomes", [(), ("timeout", "timeout"), ("timeout", "invalid JSON", "timeout"), ("timeout", "timeout", "ok")])
def test_closed_without_a_whole_streak(outcomes):
    assert BREAKER.state(latest(*outcomes), NOW).state is CircuitState.CLOSED


@given(st.lists(st.sampled_from(["ok", "timeout", "status 500", "invalid JSON"]), max_size=8), st.integers(min_value=0, max_value=120))
def test_it_stops_calls_only_after_a_streak_and_only_for_the_cooldown(outcomes, seconds):
    circuit = BREAKER.state(latest(*outcomes), NOW + dt.timedelta(seconds=seconds))
    streak = len(outcomes) >= 3 and all(is_provider_failure(o) for o in outcomes[:3])
    assert (circuit.state is not CircuitState.CLOSED) == streak
    assert (circuit.state is CircuitState.OPEN) == (streak and seconds < 60)
