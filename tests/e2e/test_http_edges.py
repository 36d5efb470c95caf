"""What the service shows to whoever reaches its port: no API explorer, no driver errors, no echo
of a caller's megabytes. A service of its own, on a database of its own that a test may close."""

import pytest
import sqlalchemy as sa
import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from entrypoints.settings import PROJECT_ROOT, Settings
from tests.e2e.database import create_database, drop_database
from tests.e2e.whatsapp import INSTANCE, ShiftedClock, running_service, service_settings, text_message
from tests.fakes.evolution_server import FakeEvolution


@pytest.fixture(scope="module")
def evolution():
    with FakeEvolution(instances={INSTANCE: "fake-instance-token"}) as server:
        yield server


@pytest.fixture(scope="module")
async def own_database(admin_url):
    url = await create_database(admin_url)
    yield url
    await drop_database(admin_url, url)


@pytest.fixture(scope="module")
async def service(own_database, evolution, tmp_path_factory):
    base = Settings(database_url=own_database, data_dir=tmp_path_factory.mktemp("edges"), knowledge_dir=PROJECT_ROOT / "knowledge")
    async for running in running_service(service_settings(base, evolution), ShiftedClock()):
        yield running


@pytest.mark.parametrize(
    "path", ["/schema", "/schema/openapi.json", "/schema/openapi.yaml", "/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc"]
)
async def test_no_api_explorer_is_served(service, path):
    response = await service.http.get(service.url + path)
    assert response.status_code == 404


async def test_error_bodies_do_not_echo_the_input_whole(service):
    body = text_message("5511970001001", "oi")
    body["instance"] = "x" * 1_000_000
    response = await service.post(body)
    assert response.status_code == 404
    assert len(response.json()["detail"]) <= 200 and len(response.content) < 1_000


async def _close_connections(admin_url: str, database: str, allow: bool) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allow).lower()}')
            if not allow:
                await connection.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
    finally:
        await engine.dispose()


async def test_health_says_the_database_is_unavailable_and_logs_why(service, admin_url, own_database):
    database = make_url(own_database).database
    await _close_connections(admin_url, database, allow=False)
    try:
        with structlog.testing.capture_logs() as logs:
            response = await service.http.get(service.url + "/health")
    finally:
        await _close_connections(admin_url, database, allow=True)
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "reason": "database unavailable"}
    assert database not in response.text
    assert any(database in str(entry.get("error")) for entry in logs), logs


async def _inbound_count(db_url: str, phone: str) -> int:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(sa.text(
                "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                "JOIN clients k ON k.id = c.client_id WHERE k.phone = :phone"), {"phone": phone})).scalar_one()
    finally:
        await engine.dispose()


async def test_the_terminal_channel_takes_no_webhooks(service, own_database):
    # `cli:<tenant>` is the channel `tatame chat` talks through: nothing on the webhook answers it.
    phone = "5511970001002"
    body = text_message(phone, "oi")
    body["instance"] = "cli:ct-exemplo"
    response = await service.post(body)
    assert response.status_code == 404 and "cli:ct-exemplo" in response.json()["detail"]
    assert await _inbound_count(own_database, phone) == 0
