"""End to end: from the last message of a burst to the reply arriving at the (fake) Evolution API,
minus the buffer window. `tatame serve` runs as its own process, the fake Evolution API
(tests/fakes/evolution_server.py, a real HTTP server speaking sendText) in this one.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/tatame_bench .venv/bin/python bench/reply_latency.py [--bursts 200] [--wave 1]

Prints p50/p95/p99 in milliseconds."""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, sent_to, text_message  # noqa: E402
from tests.fakes.evolution_server import FakeEvolution  # noqa: E402

WINDOW = 1.0


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _burst(client: httpx.AsyncClient, url: str, evolution: FakeEvolution, phone: str) -> float:
    for text in ("oi", "quanto custa o plano mensal?"):
        await client.post(url, json=text_message(phone, text), headers={"x-webhook-secret": SECRET})
    last = time.perf_counter()
    while not sent_to(evolution, phone):
        await asyncio.sleep(0.002)
    return (time.perf_counter() - last - WINDOW) * 1000


async def main(bursts: int, wave: int) -> None:
    port = _port()
    with FakeEvolution(instances={INSTANCE: TOKEN}) as evolution, tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "TATAME_DATA_DIR": data,
            "WEBHOOK_SECRET": SECRET,
            "EVOLUTION_INSTANCE": INSTANCE,
            "EVOLUTION_URL": evolution.base_url,
            "EVOLUTION_API_KEY": TOKEN,
            "PORT": str(port),
            "BUFFER_WINDOW": str(WINDOW),
            "WORKER_POLL": "0.02",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
        }
        server = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve"], env=env, cwd=ROOT)
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                while True:
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.2)
                url = f"http://127.0.0.1:{port}/webhooks/evolution"
                stamp = int(time.time()) % 10_000
                latencies: list[float] = []
                for first in range(0, bursts, wave):
                    phones = [f"55118{stamp:04d}{n:04d}" for n in range(first, min(first + wave, bursts))]
                    latencies += await asyncio.gather(*(_burst(client, url, evolution, phone) for phone in phones))
        finally:
            server.terminate()
            server.wait(timeout=20)
    q = statistics.quantiles(latencies, n=100)
    print(f"{len(latencies)} bursts of 2 messages, {wave} conversation(s) at a time, window {WINDOW:.0f} s")
    print(
        f"last message -> reply at Evolution, minus the window: p50 {statistics.median(latencies):.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bursts", type=int, default=200)
    parser.add_argument("--wave", type=int, default=1, help="conversations whose bursts end at the same moment")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.bursts, arguments.wave))
