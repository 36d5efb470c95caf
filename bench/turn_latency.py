"""Turn latency: retrieval + triage + persistence, and with `--engine openai` the model's path too.

    .venv/bin/python bench/turn_latency.py [--turns 1000] [--engine offline|openai] [--cache cold|warm]

Uses DATABASE_URL when set, else the embedded PostgreSQL, in a fresh temporary data folder; REDIS_URL
when set, else the in-process cache. `--cache cold` caches nothing, so every FAQ turn searches and
answers; `--cache warm` asks every question once before the timed turns, so each of them is
answered from the cache (without the option, a question is cold the first time it comes round).
Prints p50/p95/p99 of a whole member message (receive, turn, deliver: three transactions) and
of the turn alone (HandleTurn). `--engine openai` talks to the tests' fake OpenAI-compatible server
on loopback, in a process of its own, which answers every call at once with a grounded FAQ answer
(small talk calls get it too, fail their schema and fall back): the difference from the offline
figures is what the model's path costs besides the model (prompt, HTTP, parsing, gates, the
ledger's reads and write)."""

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import yaml
from dishka import Provider, Scope, provide

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fake model server

from adapters.lru.cache import LruCache
from adapters.terminal import TerminalGateway
from application.cache import Cache
from application.deliver_outbox import DeliverOutbox
from application.gateway import Gateways
from application.handle_turn import HandleTurn
from application.inbox import InboundMessage
from application.ingest_knowledge import cli_channel_name
from application.receive_message import ReceiveMessage
from domain.phone import Phone
from entrypoints.container import make_container
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests.fakes.openai_server import FakeOpenAI

DATA = Path(__file__).parent / "data"


def _percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples):6.2f} ms   p95 {q[94]:6.2f} ms   p99 {q[98]:6.2f} ms"


def instant_answer(request: dict) -> object:
    """A grounded answer citing the best passage, whatever the question."""
    return {"route": "faq", "answer": "Resposta do modelo.", "passage_ids": ["P1"], "passages_answer": True}


def serve_model(urls: "multiprocessing.Queue[str]") -> None:
    with FakeOpenAI(responder=instant_answer) as fake:
        urls.put(fake.base_url)
        threading.Event().wait()


@contextlib.contextmanager
def model_server() -> Iterator[str]:
    """The fake server in a process of its own, as a provider is: its work does not share the
    turn's interpreter."""
    urls: multiprocessing.Queue[str] = multiprocessing.Queue()
    process = multiprocessing.Process(target=serve_model, args=(urls,), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=30)
    finally:
        process.terminate()
        process.join()


class NothingCached(Provider):
    @provide(scope=Scope.APP)
    def cache(self) -> Cache:
        return LruCache(entries=0)


async def ask(container, channel: str, phone: Phone, text: str) -> tuple[float, float]:
    """Milliseconds of the whole message (receive, turn, deliver) and of the turn alone."""
    inbound = InboundMessage(channel=channel, sender=phone, text=text, channel_message_id=uuid.uuid4().hex)
    start = time.perf_counter()
    async with container() as request:
        received = await (await request.get(ReceiveMessage)).execute(inbound)
    turn_start = time.perf_counter()
    async with container() as request:
        await (await request.get(HandleTurn)).execute(received.tenant_id, received.conversation_id)
    turn = (time.perf_counter() - turn_start) * 1000
    async with container() as request:
        await (await request.get(DeliverOutbox)).execute("cli")
    return (time.perf_counter() - start) * 1000, turn


async def main(turns: int, engine: str, cache: str | None) -> None:
    questions = [item["question"] for item in yaml.safe_load((DATA / "retrieval.yaml").read_text())]
    with tempfile.TemporaryDirectory() as folder, model_server() as model_url:
        from_env = Settings.from_env(env_file=None)
        configure_logging(from_env.log_level)  # as a deployment logs: JSON lines, INFO and DEBUG dropped by default
        settings = Settings(
            database_url=from_env.database_url,
            data_dir=Path(folder),
            knowledge_dir=from_env.knowledge_dir,
            engine_choice=engine,
            openai_api_key="sk-bench" if engine == "openai" else None,
            openai_base_url=model_url,
            redis_url=from_env.redis_url,
        )
        container = make_container(
            settings, Gateways(TerminalGateway(io.StringIO())), None, *([NothingCached()] if cache == "cold" else [])
        )
        await prepare(container)
        channel = cli_channel_name("ct-exemplo")
        whole: list[float] = []
        turn_only: list[float] = []
        try:
            if cache == "warm":
                for n, question in enumerate(questions):
                    await ask(container, channel, Phone(f"5598{os.getpid() % 1000:03d}{n:06d}"), question)
            for i in range(turns):
                # A new member every 10 messages keeps history realistic (a few turns deep).
                phone = Phone(f"5599{os.getpid() % 1000:03d}{i // 10:06d}")
                message, turn = await ask(container, channel, phone, questions[i % len(questions)])
                whole.append(message)
                turn_only.append(turn)
        finally:
            await container.close()
    where = "none" if cache == "cold" else "Redis" if settings.redis_url else "in-process"
    print(
        f"turns: {turns}  engine: {engine}  cache: {cache or 'as it comes'} ({where})  database: {'DATABASE_URL' if settings.database_url else 'embedded'}"
    )
    print(f"whole message (3 transactions): {_percentiles(whole)}")
    print(f"turn only (HandleTurn):         {_percentiles(turn_only)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--engine", choices=["offline", "openai"], default="offline")
    parser.add_argument("--cache", choices=["cold", "warm"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.turns, arguments.engine, arguments.cache))
