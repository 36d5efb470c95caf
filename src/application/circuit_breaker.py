"""When the provider fails call after call, stop calling it for a while: each call would wait up
to the timeout before the offline engine answers anyway. The state is read from the ledger's
latest outcomes, not kept in a process, so every worker and the web process's `/health` agree."""

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

import attrs

from application.model_usage import CallOutcome

# Failures of the provider, not of our request or of the reply's content: a timeout, no
# connection, a rate limit, a server error.
_PROVIDER_FAILURES = frozenset({"timeout", "connection", "status 429"})


def is_provider_failure(outcome: str) -> bool:
    return outcome in _PROVIDER_FAILURES or outcome.startswith("status 5")


class CircuitState(StrEnum):
    CLOSED = "closed"  # calls go through
    OPEN = "open"  # no calls until the cooldown has passed
    HALF_OPEN = "half_open"  # the cooldown has passed: one call goes through to test the provider


@attrs.frozen
class Circuit:
    state: CircuitState
    until: dt.datetime | None = None  # when an open circuit lets a test call through


@attrs.frozen
class CircuitBreaker:
    failures: int  # consecutive provider failures that open the circuit
    cooldown: dt.timedelta

    def state(self, latest: Sequence[CallOutcome], now: dt.datetime) -> Circuit:
        """`latest`: the newest calls' outcomes, newest first (at least `failures` of them, if there are)."""
        streak = latest[: self.failures]
        if len(streak) < self.failures or not all(is_provider_failure(call.outcome) for call in streak):
            return Circuit(CircuitState.CLOSED)
        # A failed test call is the newest failure: the circuit opens again for a whole cooldown.
        until = streak[0].at + self.cooldown
        return Circuit(CircuitState.OPEN, until) if now < until else Circuit(CircuitState.HALF_OPEN, until)
