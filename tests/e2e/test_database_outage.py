"""PostgreSQL goes away under the running service (a TCP proxy in front of it is cut) and comes
back: webhooks get a 503 that Evolution retries, the worker waits it out, nothing is lost and
every message is answered once."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import attrs
import pytest
from sqlalchemy.engine import make_url

from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.whatsapp import ShiftedClock, running_service, sent_to, service_settings, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution


@attrs.define
class CuttableProxy:
    """Forwards TCP to PostgreSQL until `cut()`: then live connections drop and new ones close at once."""

    target_host: str
    target_port: int
    cut_off: bool = False
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = attrs.field(factory=set)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        self.cut_off = True
        for writer in list(self._writers):
            writer.close()

    def restore(self) -> None:
        self.cut_off = False

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            client_writer.close()
            return
        server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        self._writers |= {client_writer, server_writer}
        try:
            await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))
        finally:
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()


@pytest.fixture
async def proxy(database_url) -> AsyncIterator[tuple[CuttableProxy, str]]:
    url = make_url(database_url)
    if not url.host or url.query.get("host"):
        pytest.skip("the test database is not reached over TCP")
    proxy = CuttableProxy(url.host, url.port or 5432)
    port = await proxy.start()
    yield proxy, url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    await proxy.stop()


async def test_an_outage_loses_nothing_and_answers_once(proxy, tmp_path):
    proxy, proxied_url = proxy
    with FakeEvolution(instances={"cs-bot": "fake-instance-token"}) as evolution:
        base = Settings(database_url=proxied_url, data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge")
        async for service in running_service(service_settings(base, evolution), ShiftedClock()):
            before, during = "5511970000031", "5511970000032"
            assert (await service.post(text_message(before, "qual o endereço?"))).status_code == 200

            proxy.cut()
            late = text_message(during, "quanto custa o plano mensal?")
            refused = await service.post(late)
            assert refused.status_code == 503 and "retry" in refused.json()["detail"]
            assert (await service.http.get(service.url + "/health")).status_code == 503
            await asyncio.sleep(1.0)  # the worker meets the outage too

            proxy.restore()
            assert (await service.post(late)).status_code == 200  # Evolution's retry
            assert len(await wait_for_replies(evolution, before, 1, timeout=20)) == 1
            assert len(await wait_for_replies(evolution, during, 1, timeout=20)) == 1
            await asyncio.sleep(1.0)
            assert (len(sent_to(evolution, before)), len(sent_to(evolution, during))) == (1, 1)
            assert (await service.http.get(service.url + "/health")).status_code == 200
