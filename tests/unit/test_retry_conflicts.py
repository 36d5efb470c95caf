import asyncpg
import pytest
from sqlalchemy import exc

from adapters.postgres.errors import UNIQUE_VIOLATION, retry_conflicts, sqlstate


class Work:
    """Fails with each of `failures` in turn, then returns "done"; counts its attempts."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.attempts = 0

    async def __call__(self) -> str:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def _wrapped(error: Exception) -> exc.DBAPIError:
    """As SQLAlchemy raises it: the driver's error as `orig`."""
    return exc.DBAPIError("UPDATE conversations ...", {}, error)


async def test_deadlocks_and_serialization_failures_are_run_again():
    work = Work(asyncpg.DeadlockDetectedError("deadlock detected"), _wrapped(asyncpg.SerializationError("could not serialize")))
    assert await retry_conflicts(work) == "done" and work.attempts == 3


async def test_a_conflict_that_keeps_coming_is_raised_after_the_last_attempt():
    work = Work(*(asyncpg.DeadlockDetectedError("deadlock detected") for _ in range(5)))
    with pytest.raises(asyncpg.DeadlockDetectedError):
        await retry_conflicts(work, attempts=3)
    assert work.attempts == 3


@pytest.mark.parametrize("error", [asyncpg.UniqueViolationError("duplicate key"), ValueError("bad"), ConnectionError("gone")])
async def test_other_errors_are_raised_at_once(error):
    work = Work(error)
    with pytest.raises(type(error)):
        await retry_conflicts(work)
    assert work.attempts == 1


async def test_the_caller_chooses_the_states_retried():
    work = Work(asyncpg.UniqueViolationError("duplicate key"))
    assert await retry_conflicts(work, states={UNIQUE_VIOLATION}) == "done" and work.attempts == 2


def test_sqlstate_reads_raw_and_wrapped_errors():
    assert sqlstate(asyncpg.DeadlockDetectedError("x")) == "40P01"
    assert sqlstate(_wrapped(asyncpg.SerializationError("x"))) == "40001"
    assert sqlstate(ValueError("x")) == ""
