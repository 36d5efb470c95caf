"""PostgreSQL answers but the service's database refuses connections (a restart, a failover, an
operator's `ALLOW_CONNECTIONS false`): webhooks get the documented 503 that Evolution retries, the
worker backs off and logs the outage's traceback once, and the service still stops at once."""

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.database import allow_connections, refuse_connections
from tests.e2e.serve_process import free_port, serve_environment
from tests.e2e.whatsapp import (
    INSTANCE,
    TOKEN,
    Service,
    ShiftedClock,
    running_service,
    sent_to,
    service_settings,
    text_message,
    wait_for_replies,
)
from tests.fakes.evolution_server import FakeEvolution

# What a stop may take while the database refuses: the service must not wait the outage out.
STOP_WITHIN = 5.0


@pytest.fixture
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


async def _retried(service: Service, body: dict) -> httpx.Response:
    """As Evolution retries: a connection pooled before the outage fails its first use once."""
    for _ in range(3):
        if (response := await service.post(body)).status_code != 503:
            return response
        await asyncio.sleep(0.5)
    return response


async def test_webhooks_get_503_while_the_database_refuses_and_the_retry_is_stored_once(admin_url, own_database, evolution, tmp_path):
    base = Settings(database_url=own_database, data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge")
    async for service in running_service(service_settings(base, evolution), ShiftedClock()):
        phone = "5511970000041"
        assert (await service.post(text_message("5511970000040", "oi"))).status_code == 200  # the channel is known

        await refuse_connections(admin_url, own_database)
        late = text_message(phone, "qual o endereço?")
        refused = await service.post(late)
        assert (refused.status_code, refused.json()) == (503, {"detail": "storage unavailable, retry later"})
        unknown = text_message(phone, "oi")
        unknown["instance"] = "not-cached-yet"  # its lookup meets the outage before the inbox does
        assert (await service.post(unknown)).status_code == 503
        assert (await service.http.get(service.url + "/health")).status_code == 503

        await allow_connections(admin_url, own_database)
        assert (await _retried(service, late)).json() == {"result": "stored"}
        assert (await service.post(late)).json() == {"result": "duplicate"}
        assert len(await wait_for_replies(evolution, phone, 1, timeout=20)) == 1
        assert len(sent_to(evolution, phone)) == 1


class LogLines:
    """The JSON lines a process writes on stderr, read as they come."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[dict] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stderr is not None  # piped by the caller
        for raw in process.stderr:
            try:
                self.lines.append(json.loads(raw))
            except ValueError:
                self.lines.append({"event": raw.decode(errors="replace")})

    def events(self, name: str) -> list[dict]:
        return [line for line in self.lines if line.get("event") == name]

    async def wait_for(self, name: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while not self.events(name):
            assert time.monotonic() < deadline, f"no {name} in {self.lines}"
            await asyncio.sleep(0.05)
        return self.events(name)[0]


def _stop_time(process: subprocess.Popen) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return time.monotonic() - started


async def test_the_worker_backs_off_logs_one_traceback_and_stops_at_once(admin_url, own_database, evolution, tmp_path):
    env = serve_environment(own_database, tmp_path / "data", evolution, LOG_LEVEL="INFO")
    worker = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "worker"], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
    try:
        logs = LogLines(worker)
        await logs.wait_for("worker.started", timeout=60)

        await refuse_connections(admin_url, own_database)
        await asyncio.sleep(4.0)
        failures = [line for line in logs.lines if line.get("level") in ("warning", "error")]
        # Backing off from 0.5 s: a handful of attempts in 4 s, where polling made dozens.
        assert 1 <= len(failures) <= 5, failures
        [outage] = [line for line in failures if "exception" in line]
        assert outage["event"] == "worker.storage_unavailable" and "Traceback" in outage["exception"], outage

        await allow_connections(admin_url, own_database)
        await logs.wait_for("worker.storage_recovered", timeout=20)
        await refuse_connections(admin_url, own_database)
        await asyncio.sleep(1.0)
        assert len([line for line in logs.lines if "exception" in line]) == 2, "one traceback per outage"
        assert _stop_time(worker) < STOP_WITHIN
        assert worker.returncode == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


async def test_a_worker_started_in_an_outage_waits_it_out(admin_url, own_database, evolution, tmp_path):
    await refuse_connections(admin_url, own_database)
    env = serve_environment(own_database, tmp_path / "data", evolution, LOG_LEVEL="INFO")
    worker = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "worker"], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
    try:
        logs = LogLines(worker)
        await logs.wait_for("worker.storage_unavailable", timeout=60)  # its migration met the outage
        await asyncio.sleep(1.0)
        assert worker.poll() is None, logs.lines
        await allow_connections(admin_url, own_database)
        await logs.wait_for("worker.storage_recovered", timeout=20)  # migrated, and a round done
        assert _stop_time(worker) < STOP_WITHIN
        assert worker.returncode == 0, logs.lines
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


async def test_serve_stops_at_once_on_sigterm_while_the_database_refuses(admin_url, own_database, evolution, tmp_path):
    port = free_port()
    env = serve_environment(own_database, tmp_path / "data", evolution, PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve"], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
    try:
        logs = LogLines(process)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=1) as client:
            while True:
                assert process.poll() is None and time.monotonic() < deadline, logs.lines
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            await refuse_connections(admin_url, own_database)
            assert (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 503
        await asyncio.sleep(2.0)  # the worker is in the outage too
        assert _stop_time(process) < STOP_WITHIN, logs.lines
        assert process.returncode == 0, logs.lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
