"""`tatame serve` as a process of its own, the way the e2e tests start it: the same environment
(a database, a data folder, the fake Evolution API, this checkout's code), a free port, and a
wait until `/health` answers."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

from tests import PROJECT_ROOT
from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN
from tests.fakes.evolution_server import FakeEvolution


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_environment(database_url: str, data_dir: Path, evolution: FakeEvolution, **changes: str) -> dict[str, str]:
    """The variables a test's service runs with; `changes` adds to them or overrides them. Packs
    and Qdrant come from the defaults whatever the caller's environment says."""
    return {
        **{k: v for k, v in os.environ.items() if k not in {"QDRANT_URL", "KNOWLEDGE_DIR"}},
        "DATABASE_URL": database_url,
        "TATAME_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "WEBHOOK_SECRET": SECRET,
        "EVOLUTION_INSTANCE": INSTANCE,
        "EVOLUTION_URL": evolution.base_url,
        "EVOLUTION_API_KEY": TOKEN,
        "BUFFER_WINDOW": "0.2",
        "WORKER_POLL": "0.05",
        **changes,
    }


def wait_healthy(process: "subprocess.Popen[bytes]", port: int, why_not: Callable[[], str], timeout: float = 60) -> None:
    """Returns once `/health` answers 200; fails with `why_not()` (the process's output) if the
    process ends first or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, why_not()
        assert time.monotonic() < deadline, "tatame serve did not become healthy"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)


def start_serve(env: dict[str, str], *options: str, stderr: int | IO[bytes] = subprocess.PIPE) -> "subprocess.Popen[bytes]":
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve", *options], env=env, cwd=PROJECT_ROOT, stderr=stderr)
