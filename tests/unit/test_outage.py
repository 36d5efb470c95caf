import asyncio

from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from application.errors import StorageUnavailable
from entrypoints.outage import Backoff
from entrypoints.worker import run_rounds


class TestBackoff:
    def test_doubles_from_half_a_second_to_thirty(self):
        backoff = Backoff()
        assert [backoff.failed() for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]

    def test_a_success_starts_again(self):
        backoff = Backoff()
        backoff.failed(), backoff.failed()
        assert backoff.succeeded() == 2
        assert backoff.succeeded() == 0
        assert backoff.failed() == 0.5

    @given(st.integers(min_value=1, max_value=5_000))
    def test_any_outage_waits_between_first_and_cap_and_never_less_than_before(self, failures):
        backoff = Backoff()
        waits = [backoff.failed() for _ in range(failures)]
        assert all(0.5 <= wait <= 30 for wait in waits)
        assert waits == sorted(waits)


class Rounds:
    """A worker's rounds, each one what the test planned: an outage, a bug, or nothing to do.
    Once the plan is used up it orders the worker to stop."""

    def __init__(self, stop: asyncio.Event, *plan: Exception | None) -> None:
        self.stop, self.plan, self.calls = stop, list(plan), 0

    async def __call__(self) -> bool:
        self.calls += 1
        outcome = self.plan.pop(0)
        if not self.plan:
            self.stop.set()
        if outcome is not None:
            raise outcome
        return False


def _events(logs: list[dict], name: str) -> list[dict]:
    return [entry for entry in logs if entry["event"] == name]


async def test_an_outage_logs_its_traceback_once_and_its_end():
    stop = asyncio.Event()
    outage = StorageUnavailable("refused")
    with capture_logs() as logs:
        await run_rounds(Rounds(stop, outage, outage, outage, None, outage, None), stop, 0.001, Backoff(first=0.001, cap=0.002))
    unavailable = _events(logs, "worker.storage_unavailable")
    assert [entry["failures"] for entry in unavailable] == [1, 2, 3, 1]
    assert [entry.get("exc_info") is outage for entry in unavailable] == [True, False, False, True]
    assert [entry["failures"] for entry in _events(logs, "worker.storage_recovered")] == [3, 1]


async def test_the_backoff_ends_when_the_worker_is_told_to_stop():
    stop = asyncio.Event()
    rounds = Rounds(stop, StorageUnavailable("refused"), None)
    stop_soon = asyncio.get_running_loop().call_later(0.05, stop.set)
    try:
        await asyncio.wait_for(run_rounds(rounds, stop, 0.001, Backoff(first=60)), timeout=2)
    finally:
        stop_soon.cancel()
    assert rounds.calls == 1


async def test_a_bug_is_logged_with_its_traceback_and_the_worker_goes_on():
    stop = asyncio.Event()
    rounds = Rounds(stop, ValueError("a bug"), None)
    with capture_logs() as logs:
        await run_rounds(rounds, stop, 0.001, Backoff())
    [failed] = _events(logs, "worker.round_failed")
    assert failed["exc_info"] is True and failed["log_level"] == "error"
    assert rounds.calls == 2 and not _events(logs, "worker.storage_unavailable")
