"""Webhook latency for everyone while one member floods: 20 messages of 65,536 characters from one
phone, while 20 other members write ordinary questions (about 10 webhooks/s) and `/health` is
polled every 50 ms. `tatame serve` runs as its own process; the fake Evolution API
(tests/fakes/evolution_server.py) in another, so neither shares this process's event loop.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/tatame_bench .venv/bin/python bench/flood_latency.py [--seconds 10]

Runs a quiet phase, then the same traffic with the flood, and prints for each p50/p95/p99/max of
the other members' webhooks and of /health; then how long the flood's own posts took, when its
one reply arrived, and the peak RSS of serve's processes."""

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

from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, text_message  # noqa: E402

FLOOD_PHONE = "5511980000000"
MEMBERS, INTERVAL = 20, 2.0
QUESTIONS = ["qual o endereço?", "quanto custa o plano mensal?", "tem aula de jiu-jitsu sábado?", "oi, tudo bem?"]
EVOLUTION = f"""
import sys, time
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "src")!r}]
from tests.fakes.evolution_server import FakeEvolution
with FakeEvolution(instances={{{INSTANCE!r}: {TOKEN!r}}}) as evolution:
    print(evolution.base_url, flush=True)
    sys.stdin.read()  # until the bench closes it
"""


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _summary(name: str, samples: list[float]) -> str:
    if len(samples) < 2:
        return f"{name}: {len(samples)} samples"
    q = statistics.quantiles(samples, n=100)
    return (
        f"{name:<28} n={len(samples):<5} p50 {statistics.median(samples):7.1f} ms  p95 {q[94]:7.1f} ms  "
        f"p99 {q[98]:7.1f} ms  max {max(samples):7.1f} ms"
    )


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of the process and its children (the server and the worker)."""
    pids = [pid] + [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()]
    total = 0
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


async def _timed(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> float:
    started = time.perf_counter()
    response = await client.request(method, url, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 400:
        raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:200]}")
    return elapsed


async def main(seconds: float) -> None:
    port = _port()
    base = f"http://127.0.0.1:{port}"
    headers = {"x-webhook-secret": SECRET}
    evolution = subprocess.Popen([sys.executable, "-c", EVOLUTION], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert evolution.stdin is not None and evolution.stdout is not None  # both piped above
    evolution_url = evolution.stdout.readline().strip()
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "TATAME_DATA_DIR": data,
            "WEBHOOK_SECRET": SECRET,
            "EVOLUTION_INSTANCE": INSTANCE,
            "EVOLUTION_URL": evolution_url,
            "EVOLUTION_API_KEY": TOKEN,
            "PORT": str(port),
            "BUFFER_WINDOW": "1",
            "WORKER_POLL": "0.02",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
        }
        server = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve"], env=env, cwd=ROOT)
        others: list[float] = []
        health: list[float] = []
        flood: list[float] = []
        results: dict[str, tuple[list[float], list[float]]] = {}
        try:
            async with httpx.AsyncClient(timeout=300) as client:
                while True:
                    try:
                        if (await client.get(base + "/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.2)
                stamp = int(time.time()) % 10_000
                replied: list[float] = []

                async def member(n: int, deadline: float) -> None:
                    phone, i = f"55119{stamp:04d}{n:04d}", 0
                    await asyncio.sleep(n * INTERVAL / MEMBERS)
                    while time.monotonic() < deadline:
                        body = text_message(phone, QUESTIONS[i % len(QUESTIONS)])
                        others.append(await _timed(client, "POST", base + "/webhooks/evolution", json=body, headers=headers))
                        i += 1
                        await asyncio.sleep(INTERVAL)

                async def poll_health(deadline: float) -> None:
                    while time.monotonic() < deadline:
                        health.append(await _timed(client, "GET", base + "/health"))
                        await asyncio.sleep(0.05)

                async def flooder() -> None:
                    started = time.monotonic()
                    for i in range(20):
                        body = text_message(FLOOD_PHONE, "")
                        body["data"]["message"]["conversation"] = (f"mensagem {i}: " + "quero saber o preço do plano " * 2_300)[:65_536]
                        flood.append(await _timed(client, "POST", base + "/webhooks/evolution", json=body, headers=headers))
                    query = {"where": {"key": {"fromMe": True, "remoteJid": f"{FLOOD_PHONE}@s.whatsapp.net"}}}
                    while time.monotonic() < started + 60:
                        sent = (
                            await client.post(f"{evolution_url}/chat/findMessages/{INSTANCE}", headers={"apikey": TOKEN}, json=query)
                        ).json()
                        if sent["messages"]["records"]:
                            replied.append(time.monotonic() - started)
                            return
                        await asyncio.sleep(0.1)

                for phase, with_flood in (("quiet", False), ("flood", True)):
                    others.clear()
                    health.clear()
                    deadline = time.monotonic() + seconds
                    await asyncio.gather(
                        poll_health(deadline), *(member(n, deadline) for n in range(MEMBERS)), *([flooder()] if with_flood else [])
                    )
                    results[phase] = (list(others), list(health))
                rss = _peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            evolution.stdin.close()
            evolution.wait(timeout=10)
    print(
        f"each phase {seconds:.0f} s: {MEMBERS} members writing every {INTERVAL:.0f} s, /health every 50 ms; "
        "then the same while one member posts 20 x 65,536 characters"
    )
    for phase, (webhooks, polls) in results.items():
        print(_summary(f"{phase}: webhook, others", webhooks))
        print(_summary(f"{phase}: GET /health", polls))
    print(_summary("flood: the flood's own posts", flood))
    print(f"the flood's reply reached Evolution {replied[0]:.1f} s after its first post" if replied else "the flood got no reply in 60 s")
    print(f"peak RSS of serve (server + worker): {rss:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(main(parser.parse_args().seconds))
