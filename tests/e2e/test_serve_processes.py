"""`tatame serve` answers webhooks in its server process and runs turns in a worker process of
its own: the worker goes down with serve (no orphan after a `kill -9`), and serve goes down when
its worker dies (a supervisor restarts the whole service rather than leaving members unanswered)."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests import PROJECT_ROOT
from tests.e2e.serve_process import free_port, serve_environment, start_serve, wait_healthy
from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution


@pytest.fixture
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


def _start(database_url: str, evolution: FakeEvolution, data_dir: Path, *options: str) -> tuple["subprocess.Popen[bytes]", str]:
    port = free_port()
    process = start_serve(serve_environment(database_url, data_dir, evolution, PORT=str(port)), *options)
    wait_healthy(process, port, lambda: process.communicate()[1].decode())
    return process, f"http://127.0.0.1:{port}"


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


@pytest.fixture
def service(database_url, evolution, tmp_path):
    process, url = _start(database_url, evolution, tmp_path / "data")
    yield process, url
    _stop(process)


def _children(pid: int) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has died; only its parent has not read its status yet.
    return open(f"/proc/{pid}/stat").read().split()[2] != "Z"


def _eventually(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def test_the_worker_process_answers_and_dies_with_serve(service, evolution):
    process, url = service
    [worker] = _children(process.pid)
    async with httpx.AsyncClient() as client:
        response = await client.post(
            url + "/webhooks/evolution", json=text_message("5511977770001", "qual o endereço?"), headers={"x-webhook-secret": SECRET}
        )
    assert response.status_code == 200
    assert len(await wait_for_replies(evolution, "5511977770001", 1, timeout=20, settle=0)) == 1
    process.send_signal(signal.SIGKILL)
    assert _eventually(lambda: not _alive(worker)), "the worker outlived a killed serve"


def test_serve_stops_when_its_worker_dies(service):
    process, _ = service
    [worker] = _children(process.pid)
    os.kill(worker, signal.SIGKILL)
    assert process.wait(timeout=20) != 0
    assert b"serve.worker_exited" in process.stderr.read()


async def test_the_command_line_reaches_every_process(database_url, evolution, tmp_path):
    """`--knowledge` and `--processes`: the worker answers from the pack the command line named
    (the environment names none), behind two server processes, and all go down with serve."""
    packs = tmp_path / "packs"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", packs / "ct-exemplo")
    prices = packs / "ct-exemplo" / "planos-e-precos.md"
    prices.write_text(prices.read_text().replace("custa R$ 189,00 por mês", "custa R$ 777,00 por mês"))
    process, url = _start(database_url, evolution, tmp_path / "data", "--processes", "2", "--knowledge", str(packs))
    try:
        async with httpx.AsyncClient() as client:
            message = text_message("5511977770003", "quanto custa o plano mensal?")
            response = await client.post(url + "/webhooks/evolution", json=message, headers={"x-webhook-secret": SECRET})
        assert response.status_code == 200
        [reply] = await wait_for_replies(evolution, "5511977770003", 1, timeout=20, settle=0)
        assert "R$ 777" in reply
        children = _children(process.pid)
        process.send_signal(signal.SIGKILL)
        # A server process still importing when serve dies ends itself once its imports are done.
        assert _eventually(lambda: not any(_alive(child) for child in children), timeout=30), "a server process outlived a killed serve"
    finally:
        _stop(process)
