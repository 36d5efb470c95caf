"""`tatame serve` as a real process, killed with SIGKILL in the middle of bursts and started
again: every message received is answered exactly once, also when the kill lands while Evolution
holds a send whose answer the killed process never got."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from entrypoints.settings import PROJECT_ROOT
from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, sent_to, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution, sent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


@pytest.fixture
def serve(database_url, evolution, tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"QDRANT_URL", "KNOWLEDGE_DIR"}},
        "DATABASE_URL": database_url, "TATAME_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "WEBHOOK_SECRET": SECRET, "EVOLUTION_INSTANCE": INSTANCE, "EVOLUTION_URL": evolution.base_url, "EVOLUTION_API_KEY": TOKEN,
        "PORT": str(port), "BUFFER_WINDOW": "0.5", "BUFFER_MAX": "3", "WORKER_LEASE": "1", "WORKER_POLL": "0.05", "OUTBOX_RETRY": "0.1",
        "EVOLUTION_TIMEOUT": "1",  # an interrupted send is looked up 3 s after it started
    }
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve"], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
        processes.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                time.sleep(0.1)
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
        raise RuntimeError("tatame serve did not become healthy")

    yield start, f"http://127.0.0.1:{port}/webhooks/evolution"
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


async def _post_bursts(client: httpx.AsyncClient, url: str, phones: list[str], words: list[str]) -> None:
    for text in words:
        for phone in phones:
            response = await client.post(url, json=text_message(phone, f"{text}"), headers={"x-webhook-secret": SECRET})
            assert response.status_code == 200


async def _until_a_send_is_held(evolution: FakeEvolution) -> None:
    deadline = time.monotonic() + 20
    while not any(r.path.startswith("/message/sendText/") for r in evolution.requests):
        assert time.monotonic() < deadline, "no send reached Evolution"
        await asyncio.sleep(0.01)


# "burst": killed before the window closes. "turns": while turns run and the first replies go out.
# "send": while Evolution holds sends (each takes 0.4 s): they go out after the kill, unrecorded;
# the restarted service must find them at Evolution instead of sending them again.
@pytest.mark.parametrize("kill_during", ["burst", "turns", "send"])
async def test_sigkill_answers_every_message_exactly_once(serve, evolution, database_url, kill_during):
    start, url = serve
    phones = [f"551196{['burst', 'turns', 'send'].index(kill_during):04d}{i:03d}" for i in range(12)]
    if kill_during == "send":
        evolution.plan(*[sent(delay=0.4)] * 3)
    process = start()
    async with httpx.AsyncClient(timeout=5) as client:
        await _post_bursts(client, url, phones, ["oi", "qual o endereço?"])
        if kill_during == "turns":
            await asyncio.sleep(0.55)
        elif kill_during == "send":
            await _until_a_send_is_held(evolution)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        start()
    for phone in phones:
        await wait_for_replies(evolution, phone, 1, timeout=20, settle=0)
    await asyncio.sleep(4)  # the killed process's leases and sends run out: nothing may come twice
    replies = {phone: len(sent_to(evolution, phone)) for phone in phones}
    assert all(count == 1 for count in replies.values()), replies
    if kill_during == "send":
        assert evolution.lookups(), "the interrupted send was looked up"
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        unanswered = await connection.execute(
            sa.text("SELECT count(*) FROM messages m JOIN clients k ON k.tenant_id = m.tenant_id "
                    "JOIN conversations c ON c.id = m.conversation_id AND c.client_id = k.id "
                    "WHERE k.phone = ANY(:phones) AND ((m.direction = 'in' AND m.status <> 'processed') "
                    "OR (m.direction = 'out' AND m.status <> 'sent'))"),
            {"phones": phones},
        )
        assert unanswered.scalar_one() == 0
    await engine.dispose()
