"""The postgres adapter's side of an outage, on a real server: whatever says the database cannot be
reached or used becomes `StorageUnavailable`, a query's own error keeps its type, the
connections an outage killed are not handed out again once it is over, and a deadlock is a
`TransactionConflict`."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.engine import make_engine
from application.errors import StorageUnavailable, TransactionConflict
from tests.e2e.database import allow_connections, refuse_connections


@pytest.fixture
async def engine(own_database) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(own_database, pool_size=2)
    yield engine
    await engine.dispose()


async def _select(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(sa.text("SELECT 1"))).scalar_one()


async def test_a_refused_connection_and_a_terminated_session_are_storage_unavailable(engine, admin_url, own_database):
    assert await _select(engine) == 1  # a pooled connection, killed below
    await refuse_connections(admin_url, own_database)
    for _ in range(2):  # the pooled connection dies, then a new one is refused
        with pytest.raises(StorageUnavailable):
            await _select(engine)
    await allow_connections(admin_url, own_database)
    assert await _select(engine) == 1


async def test_a_query_error_is_not_an_outage(engine):
    with pytest.raises(exc.ProgrammingError):
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT * FROM no_such_table"))


async def test_a_pool_held_up_for_its_whole_timeout_is_storage_unavailable(engine):
    engine.sync_engine.pool._timeout = 0.2  # instead of waiting 30 s
    held = [await engine.connect() for _ in range(4)]  # pool_size 2, and as many overflowing
    try:
        with pytest.raises(StorageUnavailable):
            await asyncio.wait_for(_select(engine), timeout=5)
    finally:
        for connection in held:
            await connection.close()


async def test_a_cancelled_query_stays_a_cancellation(engine):
    # SQLAlchemy treats a cancellation as a disconnect (the connection is left mid-statement); it
    # must still reach the caller as one, not as an outage.
    with pytest.raises(TimeoutError):
        async with engine.connect() as connection:
            await asyncio.wait_for(connection.execute(sa.text("SELECT pg_sleep(5)")), timeout=0.2)


async def test_a_deadlock_is_a_transaction_conflict_and_the_other_transaction_goes_through(engine):
    async with engine.begin() as setup:
        await setup.execute(sa.text("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)"))
        await setup.execute(sa.text("INSERT INTO counters VALUES (1, 0), (2, 0)"))
    bump = sa.text("UPDATE counters SET n = n + 1 WHERE id = :id")
    first, second = await engine.connect(), await engine.connect()
    try:
        for connection, own in ((first, 1), (second, 2)):
            # PostgreSQL looks for the cycle after this wait (1 s by default).
            await connection.execute(sa.text("SET LOCAL deadlock_timeout = '10ms'"))
            await connection.execute(bump, {"id": own})
        # Each now wants the row the other holds: PostgreSQL aborts one of them.
        outcomes = await asyncio.gather(first.execute(bump, {"id": 2}), second.execute(bump, {"id": 1}), return_exceptions=True)
        assert sorted(isinstance(outcome, TransactionConflict) for outcome in outcomes) == [False, True]
        assert "deadlock detected" in str(next(o for o in outcomes if isinstance(o, TransactionConflict)))
    finally:
        await first.close()
        await second.close()
