"""The WhatsApp service running for real on loopback, against the fake Evolution API."""

import asyncio
import copy
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator

import attrs
import httpx
import uvicorn
from dishka import Provider

from adapters.evolution.gateway import make_client
from entrypoints.channels import member_gateways
from entrypoints.container import make_container
from entrypoints.http.app import make_app
from entrypoints.serve import uvicorn_options
from entrypoints.settings import Settings
from entrypoints.startup import prepare, register_default_channel
from entrypoints.worker import run_worker
from tests.fakes.evolution_server import FakeEvolution, load_fixture

INSTANCE = "cs-bot"
TOKEN = "fake-instance-token"
SECRET = "s3cret-for-tests-that-is-long-enough-for-hs256"


@attrs.define
class ShiftedClock:
    """Real time plus an offset the test can move forward (pause timeouts without waiting hours)."""

    offset: dt.timedelta = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def service_settings(base: Settings, evolution: FakeEvolution, **changes) -> Settings:
    defaults = dict(buffer_window=0.4, buffer_max=2.0, worker_poll=0.02, worker_lease=2.0, outbox_retry=0.05, port=0)
    return attrs.evolve(
        base,
        webhook_secret=SECRET,
        evolution_instance=INSTANCE,
        evolution_url=evolution.base_url,
        evolution_api_key=TOKEN,
        **{**defaults, **changes},
    )


@attrs.define
class Service:
    url: str
    http: httpx.AsyncClient
    clock: ShiftedClock

    async def post(self, body: dict, *, path: str = "/webhooks/evolution", headers: dict | None = None) -> httpx.Response:
        return await self.http.post(self.url + path, json=body, headers={"x-webhook-secret": SECRET} if headers is None else headers)


async def running_service(settings: Settings, clock: ShiftedClock, *overrides: Provider) -> AsyncIterator[Service]:
    """The app served as `tatame serve` serves it (`uvicorn_options`), with the worker beside it.
    The test's client drops an idle connection well before the server's keep-alive closes it, as
    Evolution and the proxy do: with both at 5 s, a delivery sent on a pooled connection at the
    moment the server closed it failed with a ReadError (a burst of deliveries that outlasted the
    keep-alive, on a loaded machine)."""
    expiry = httpx.Limits(keepalive_expiry=settings.http_keep_alive / 2)
    async with make_client(5) as outbound, httpx.AsyncClient(timeout=5, limits=expiry) as inbound:
        container = make_container(settings, member_gateways(outbound), clock, *overrides)
        await prepare(container)
        await register_default_channel(container, settings)
        server = uvicorn.Server(uvicorn.Config(make_app(container, settings=settings), **uvicorn_options(settings)))
        task = asyncio.create_task(server.serve())
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(container, stop, settings.worker_poll))
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield Service(f"http://127.0.0.1:{port}", inbound, clock)
        finally:
            stop.set()
            await worker  # before the server's lifespan closes the container the worker uses
            server.should_exit = True
            await task


def text_message(phone: str, text: str, *, message_id: str | None = None, timestamp: int | None = None) -> dict:
    body = copy.deepcopy(load_fixture("v2-messages-upsert-text"))
    key = body["data"]["key"]
    key.update(remoteJid=f"{phone}@s.whatsapp.net", id=message_id or uuid.uuid4().hex[:20].upper())
    key.pop("remoteJidAlt", None)
    body["data"]["message"] = {"conversation": text}
    body["data"]["messageTimestamp"] = timestamp or int(time.time())
    return body


def staff_message(phone: str, text: str) -> dict:
    body = copy.deepcopy(load_fixture("v2-messages-upsert-fromme-phone"))
    body["data"]["key"].update(remoteJid=f"{phone}@s.whatsapp.net", id=uuid.uuid4().hex.upper())
    body["data"]["message"] = {"conversation": text}
    body["data"]["messageTimestamp"] = int(time.time())
    return body


def sent_to(evolution: FakeEvolution, phone: str) -> list[str]:
    return [m["message"]["conversation"] for m in evolution.sent if m["key"]["remoteJid"] == f"{phone}@s.whatsapp.net"]


async def wait_for_replies(evolution: FakeEvolution, phone: str, count: int, timeout: float = 10.0, settle: float = 0.8) -> list[str]:
    """Waits until `count` replies reached `phone`, then a little longer to catch any extra one."""
    deadline = time.monotonic() + timeout
    while len(sent_to(evolution, phone)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(settle)
    return sent_to(evolution, phone)
