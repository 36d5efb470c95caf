import datetime as dt
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from dishka import AsyncContainer

from adapters.clock import SettableClock
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from entrypoints.container import make_container
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests import PROJECT_ROOT
from tests.e2e.database import allow_connections, create_database, drop_database, server_url
from tests.fakes.openai_server import FakeOpenAI

# structlog's default renderer draws a traceback with every frame's locals through rich: seconds
# for a driver error, all spent in the event loop that the service under test shares.
structlog.configure(
    processors=[
        *structlog.get_config()["processors"][:-1],
        structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback),
    ]
)

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))


@pytest.fixture(scope="session")
async def admin_url() -> str:
    return await server_url()


@pytest.fixture(scope="session")
async def database_url(admin_url: str) -> AsyncIterator[str]:
    """One database for the session; tests keep apart by tenant and phone."""
    url = await create_database(admin_url)
    yield url
    await drop_database(admin_url, url)


@pytest.fixture
async def own_database(admin_url: str) -> AsyncIterator[str]:
    """A database of its own, for a test that refuses its connections: refusing the session's one
    would fail the tests that run after."""
    url = await create_database(admin_url)
    yield url
    await allow_connections(admin_url, url)
    await drop_database(admin_url, url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge")


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def transcript() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
async def container(settings: Settings, clock: SettableClock, transcript: io.StringIO) -> AsyncIterator[AsyncContainer]:
    """The real stack (PostgreSQL, Qdrant local, offline engine), migrated and ingested."""
    container = make_container(settings, Gateways(TerminalGateway(transcript)), clock)
    await prepare(container)
    yield container
    await container.close()


@pytest.fixture(scope="module")
def openai_server() -> Iterator[FakeOpenAI]:
    """One fake OpenAI-compatible server a test module: starting one costs more than a test."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake(openai_server: FakeOpenAI) -> FakeOpenAI:
    """The module's fake OpenAI server, with nothing planned or recorded by an earlier test."""
    openai_server.reset()
    return openai_server
