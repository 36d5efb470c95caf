"""Webhook ingest throughput and latency: `tatame serve --no-worker` (each event committed to
PostgreSQL) against a bare Litestar endpoint on the same machine, both on one uvicorn worker,
loaded by wrk on loopback.

    apt install wrk   # once
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/tatame_bench .venv/bin/python bench/webhook_load.py [PROCESSES]

Without DATABASE_URL the embedded PostgreSQL is used. Prints requests/s and the latency
distribution of each, and their ratio."""

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-bench-secret-bench-secret"
DURATION, CONNECTIONS, THREADS = "10s", "32", "1"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def _find(pattern: str, wrk_output: str) -> str:
    match = re.search(pattern, wrk_output)
    if match is None:
        raise SystemExit(f"unexpected wrk output:\n{wrk_output}")
    return match.group(1)


def _load(port: int) -> tuple[float, str, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            THREADS,
            "-c",
            CONNECTIONS,
            "-d",
            DURATION,
            "--latency",
            "-s",
            str(ROOT / "bench" / "webhook.lua"),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "WEBHOOK_SECRET": SECRET},
        check=True,
    ).stdout
    rate = float(_find(r"Requests/sec:\s+([\d.]+)", out))
    latency = " ".join(f"{p} {v}" for p, v in re.findall(r"\s+(50|90|99)%\s+(\S+)", out))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    answered = int(_find(r"(\d+) requests in", out))
    return rate, latency + (f"  non-2xx: {errors.group(1)}" if errors else ""), answered


def _run(command: list[str], env: dict, port: int, health: str) -> tuple[float, str, int]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}{health}", process)
        return _load(port)
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _stored_messages() -> int | None:
    """Messages in DATABASE_URL's database (None without one): every answered event must be one."""
    if not os.environ.get("DATABASE_URL"):
        return None
    engine = create_async_engine(os.environ["DATABASE_URL"])
    try:
        async with engine.connect() as connection:
            return (await connection.execute(sa.text("SELECT count(*) FROM messages"))).scalar_one()
    except ProgrammingError:  # not migrated yet
        return 0
    finally:
        await engine.dispose()


def main(processes: int) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt install wrk)")
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "TATAME_DATA_DIR": data,
            "WEBHOOK_SECRET": SECRET,
            "EVOLUTION_INSTANCE": "bench",
            "EVOLUTION_URL": "http://127.0.0.1:9",
            "LOG_LEVEL": "ERROR",
        }
        bare_port, tatame_port = _port(), _port()
        bare = _run(
            [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port), "--log-level", "warning"],
            {**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"},
            bare_port,
            "/",
        )
        before = asyncio.run(_stored_messages())
        tatame = _run(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--no-worker", "--processes", str(processes)],
            {**env, "PORT": str(tatame_port)},
            tatame_port,
            "/health",
        )
    print(f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}; bare: one uvicorn worker, tatame: {processes} server process(es)")
    print(f"bare Litestar endpoint : {bare[0]:8.0f} req/s   latency {bare[1]}")
    print(f"tatame webhook (commit): {tatame[0]:8.0f} req/s   latency {tatame[1]}")
    print(f"ratio to the ceiling   : {tatame[0] / bare[0]:.2f}")
    after = asyncio.run(_stored_messages())
    if before is not None and after is not None:
        # wrk stops counting with requests still in flight: those are stored but not counted.
        print(f"events answered / stored: {tatame[2]} / {after - before}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
