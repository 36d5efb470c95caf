"""`tatame serve` as a real process, killed with SIGKILL while 200 members wait for answers and
started again: every message received is answered exactly once, also when the kill lands while
Evolution holds sends whose answers the killed process never got."""

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.e2e.serve_process import free_port, serve_environment, start_serve, wait_healthy
from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, sent_to, text_message
from tests.fakes.evolution_server import FakeEvolution, held

MEMBERS = 200
# The worker answers up to 8 conversations side by side, so up to 8 sends are in flight.
IN_FLIGHT = 8


@pytest.fixture
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


@pytest.fixture
async def database(database_url):
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def serve(database_url, evolution, tmp_path):
    port = free_port()
    env = serve_environment(
        database_url,
        tmp_path / "data",
        evolution,
        PORT=str(port),
        BUFFER_WINDOW="1",
        BUFFER_MAX="3",
        WORKER_LEASE="1",
        WORKER_POLL="0.05",
        OUTBOX_RETRY="0.1",
        # A send interrupted by the kill is looked up once its lease (3 x 3 s) runs out: by then
        # the restarted service has answered the other members, as under load, so their replies
        # are newer than it at Evolution (a page and more of them, as seen under load).
        EVOLUTION_TIMEOUT="3",
    )
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = start_serve(env)
        processes.append(process)
        wait_healthy(process, port, lambda: process.communicate()[1].decode())
        return process

    yield start, f"http://127.0.0.1:{port}/webhooks/evolution"
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


async def _post_bursts(url: str, phones: list[str], words: list[str]) -> None:
    """Each member's messages back to back (one burst each), eight members writing at a time."""
    async with httpx.AsyncClient(timeout=10) as client:

        async def member(phone: str) -> None:
            for text in words:
                response = await client.post(url, json=text_message(phone, text), headers={"x-webhook-secret": SECRET})
                assert response.status_code == 200

        for first in range(0, len(phones), 8):
            await asyncio.gather(*(member(phone) for phone in phones[first : first + 8]))


async def _until(condition: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await _value(condition()):
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.01)


async def _value(result: object) -> object:
    return await result if asyncio.iscoroutine(result) else result


async def _attempts_open(database: AsyncEngine, phones: list[str]) -> int:
    async with database.connect() as connection:
        return (
            await connection.execute(
                sa.text(
                    "SELECT count(*) FROM outbox WHERE recipient = ANY(:phones) AND attempt_started_at IS NOT NULL AND delivered_at IS NULL"
                ),
                {"phones": phones},
            )
        ).scalar_one()


async def _all_answered(database: AsyncEngine, phones: list[str]) -> bool:
    """No message received and not processed, no reply unsent, no outbox entry undelivered:
    nothing is left that could still go out."""
    async with database.connect() as connection:
        messages = (
            await connection.execute(
                sa.text(
                    "SELECT count(*) FROM messages m JOIN clients k ON k.tenant_id = m.tenant_id "
                    "JOIN conversations c ON c.id = m.conversation_id AND c.client_id = k.id "
                    "WHERE k.phone = ANY(:phones) AND ((m.direction = 'in' AND m.status <> 'processed') "
                    "OR (m.direction = 'out' AND m.status <> 'sent'))"
                ),
                {"phones": phones},
            )
        ).scalar_one()
        entries = (
            await connection.execute(
                sa.text("SELECT count(*) FROM outbox WHERE recipient = ANY(:phones) AND delivered_at IS NULL"), {"phones": phones}
            )
        ).scalar_one()
    return messages + entries == 0


async def _sends_held(evolution: FakeEvolution, database: AsyncEngine, phones: list[str]) -> bool:
    # Every attempt the worker began reached Evolution and waits there: the worker is stuck on
    # them (its round ends with its slowest send), so nothing else starts before the kill.
    return evolution.holding > 0 and evolution.holding == await _attempts_open(database, phones)


# "burst": killed once every message is in, while the later bursts are still open. "turns": once
# the first reply went out, while turns run. "send": once about 100 replies went out, while
# Evolution holds the sends in flight: they go out after the kill, unrecorded; the restarted
# service must find them at Evolution behind the other members' newer replies, not send again.
@pytest.mark.parametrize("kill_during", ["burst", "turns", "send"])
async def test_sigkill_answers_every_message_exactly_once(serve, evolution, database, kill_during):
    start, url = serve
    phones = [f"551196{['burst', 'turns', 'send'].index(kill_during):04d}{i:03d}" for i in range(MEMBERS)]
    process = start()
    await _post_bursts(url, phones, ["oi", "qual o endereço?"])
    if kill_during == "turns":
        await _until(lambda: evolution.sent, "a reply went out")
    elif kill_during == "send":
        await _until(lambda: len(evolution.sent) >= 100 - IN_FLIGHT, "about 100 replies went out")
        evolution.plan(*[held()] * IN_FLIGHT)
        await _until(lambda: _sends_held(evolution, database, phones), "Evolution holds the sends in flight")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    interrupted = evolution.holding
    evolution.release_held()
    await _until(lambda: evolution.holding == 0, "the held sends went out")
    start()

    await _until(lambda: _all_answered(database, phones), "every message is answered", timeout=120)
    replies = {phone: len(sent_to(evolution, phone)) for phone in phones}
    assert {phone: count for phone, count in replies.items() if count != 1} == {}
    if kill_during == "send":
        assert interrupted and evolution.lookups(), "interrupted sends were looked up"
