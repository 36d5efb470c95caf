"""`tatame serve` as a real process, killed with SIGKILL in the middle of bursts and started
again: every message received is answered exactly once."""

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
from tests.fakes.evolution_server import FakeEvolution


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


# 0.0: mid-burst, before the window closes: every member is answered exactly once.
# 0.55 / 0.7: while turns run and replies are being sent. Nothing is lost; a reply whose send
# Evolution accepted in the milliseconds before the kill, but whose delivery was not committed
# yet, is sent again after the restart (delivery is at-least-once: a send cannot be rolled back).
@pytest.mark.parametrize(("kill_after", "most"), [(0.0, 1), (0.55, 2), (0.7, 2)])
async def test_sigkill_mid_burst_loses_nothing(serve, evolution, database_url, kill_after, most):
    start, url = serve
    phones = [f"55119600{int(kill_after * 100):02d}{i:03d}" for i in range(12)]
    process = start()
    async with httpx.AsyncClient(timeout=5) as client:
        await _post_bursts(client, url, phones, ["oi", "qual o endereço?"])
        await asyncio.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        start()
    for phone in phones:
        await wait_for_replies(evolution, phone, 1, timeout=20, settle=0)
    await asyncio.sleep(2)  # the killed worker's leases run out: nothing may be answered twice
    replies = {phone: len(sent_to(evolution, phone)) for phone in phones}
    assert all(1 <= count <= most for count in replies.values()), replies
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        waiting = await connection.execute(
            sa.text("SELECT count(*) FROM messages m JOIN clients k ON k.tenant_id = m.tenant_id "
                    "JOIN conversations c ON c.id = m.conversation_id AND c.client_id = k.id "
                    "WHERE k.phone = ANY(:phones) AND m.direction = 'in' AND m.status <> 'processed'"),
            {"phones": phones},
        )
        assert waiting.scalar_one() == 0
    await engine.dispose()
