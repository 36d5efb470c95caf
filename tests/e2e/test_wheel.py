"""tatame as a user installs it: the wheel built from the checkout, installed (not editable) with
the locked requirements into a fresh virtualenv, run from a folder outside the checkout with an
empty data folder. It must find its migrations and the default knowledge pack inside itself."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests import PROJECT_ROOT
from tests.e2e.database import create_database, drop_database

UV = [sys.executable, "-m", "uv"]


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A virtualenv holding requirements.lock and the wheel, nothing else."""
    root = tmp_path_factory.mktemp("wheel")
    # Through the sdist, as an index would build it: that checks the sdist carries what the wheel
    # needs, and leaves no build/ folder in the checkout whose stale files could reach a wheel.
    subprocess.run([*UV, "build", "--quiet", "--out-dir", str(root / "dist"), str(PROJECT_ROOT)], check=True)
    [wheel] = (root / "dist").glob("tatame-*.whl")
    subprocess.run([*UV, "venv", "--quiet", "--python", sys.executable, str(root / "venv")], check=True)
    python = str(root / "venv" / "bin" / "python")
    lock = str(PROJECT_ROOT / "requirements.lock")
    subprocess.run([*UV, "pip", "install", "--quiet", "--python", python, "--require-hashes", "-r", lock], check=True)
    subprocess.run([*UV, "pip", "install", "--quiet", "--python", python, "--no-deps", str(wheel)], check=True)
    return root / "venv"


@pytest.fixture(scope="module")
async def own_database(admin_url) -> AsyncIterator[str]:
    """Empty, so that `tatame migrate` creates the whole schema from the shipped migrations."""
    url = await create_database(admin_url)
    yield url
    await drop_database(admin_url, url)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A working folder outside the checkout, with nothing in it (no .env either)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


@pytest.fixture
def env(venv, own_database, tmp_path) -> dict[str, str]:
    data = tmp_path / "data"
    data.mkdir()
    kept = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {**kept, "DATABASE_URL": own_database, "TATAME_DATA_DIR": str(data)}


def _tatame(venv: Path, args: list[str], env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "tatame"), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def test_the_code_runs_from_the_virtualenv_not_the_checkout(venv, env, outside):
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import entrypoints, tatame_data.migrations; print(entrypoints.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=outside,
        check=True,
    )
    assert Path(found.stdout.strip()).is_relative_to(venv)


def test_migrate_then_chat_answers_from_the_shipped_pack(venv, env, outside):
    migrated = _tatame(venv, ["migrate"], env, outside)
    assert migrated.returncode == 0, migrated.stderr

    chat = _tatame(venv, ["chat", "--phone", "5511944440001"], env, outside, "quanto custa o plano mensal?\n")
    assert chat.returncode == 0, chat.stderr
    [reply] = [line for line in chat.stdout.splitlines() if line.startswith("bot> ")]
    assert "R$ 189" in reply


def test_serve_starts_and_is_healthy(venv, env, outside):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**env, "WEBHOOK_SECRET": "wheel-secret", "PORT": str(port)}
    stderr = outside / "serve.log"
    with stderr.open("wb") as sink:
        process = subprocess.Popen([str(venv / "bin" / "tatame"), "serve"], env=env, cwd=outside, stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "tatame serve did not become healthy"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health.status_code == 200, health.text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
