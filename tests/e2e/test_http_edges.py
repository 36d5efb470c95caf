"""What the service shows to whoever reaches its port: no API explorer, no driver errors, no echo
of a caller's megabytes. A service of its own, on a database of its own that a test may close."""

import json
import time

import jwt
import pytest
import sqlalchemy as sa
import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.database import create_database, drop_database
from tests.e2e.whatsapp import INSTANCE, SECRET, ShiftedClock, running_service, service_settings, text_message
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
    "path",
    ["/schema", "/schema/openapi.json", "/schema/openapi.yaml", "/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc"],
)
async def test_no_api_explorer_is_served(service, path):
    response = await service.http.get(service.url + path)
    assert response.status_code == 404


async def test_error_bodies_do_not_echo_the_input_whole(service):
    body = text_message("5511970001001", "oi")
    body["instance"] = "x" * 1_000_000
    response = await service.post(body)
    assert response.status_code == 400
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
    # Which driver error comes first (a pooled connection cut, or the refusal naming the database)
    # depends on timing; either way the log has it and the answer does not.
    [logged] = [entry["error"] for entry in logs if entry["event"] == "health.unhealthy"]
    assert logged and logged not in response.text


async def _inbound_count(db_url: str, phone: str) -> int:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as connection:
            return (
                await connection.execute(
                    sa.text(
                        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                        "JOIN clients k ON k.id = c.client_id WHERE k.phone = :phone"
                    ),
                    {"phone": phone},
                )
            ).scalar_one()
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


def _evolution_token(issued: int | None = 0, lifetime: int = 600, **claims) -> str:
    """As Evolution 2.3 signs one for each event (WebhookController.generateJwtToken): HS256,
    {iat: now, exp: now + 600, app, action}; `issued` moves iat from now (None: no iat)."""
    now = int(time.time())
    iat = now + (issued or 0)
    token = {"iat": iat, "exp": iat + lifetime, "app": "evolution", "action": "webhook", **claims}
    if issued is None:
        del token["iat"]
    return jwt.encode(token, SECRET, algorithm="HS256")


_YEAR = 365 * 86_400


@pytest.mark.parametrize(
    ("phone", "token", "status"),
    [
        ("5511970002001", {}, 200),
        ("5511970002002", {"instance": INSTANCE}, 200),
        ("5511970002003", {"issued": -30, "lifetime": 600}, 200),  # Evolution's clock a little behind
        ("5511970002004", {"instance": "another-number"}, 403),
        ("5511970002005", {"lifetime": 30 * _YEAR}, 401),
        ("5511970002006", {"lifetime": 3600}, 401),
        ("5511970002007", {"issued": None}, 401),
        ("5511970002008", {"issued": 3600}, 401),  # issued in the future
        ("5511970002009", {"issued": -700}, 200),  # expired, as a retry of Evolution's after our outage
        ("5511970002010", {"issued": -3000}, 401),  # expired longer ago than Evolution retries
    ],
)
async def test_a_token_is_short_lived_and_for_its_own_instance(service, own_database, phone, token, status):
    response = await service.post(text_message(phone, "oi"), headers={"authorization": f"Bearer {_evolution_token(**token)}"})
    assert response.status_code == status, response.text
    assert await _inbound_count(own_database, phone) == (1 if status == 200 else 0)


async def test_a_huge_push_name_is_stored_short_and_clean(service, own_database):
    phone = "5511970003001"
    body = text_message(phone, "oi")
    body["data"]["pushName"] = "  Ana\n\x00Maria\u202e " + "x" * 1_000_000
    assert (await service.post(body)).json() == {"result": "stored"}
    engine = create_async_engine(own_database)
    try:
        async with engine.connect() as connection:
            name = (await connection.execute(sa.text("SELECT name FROM clients WHERE phone = :phone"), {"phone": phone})).scalar_one()
    finally:
        await engine.dispose()
    assert name.startswith("Ana Maria xxx") and len(name) <= 100


async def _stored(db_url: str, query: str, **params) -> list[tuple]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(sa.text(query), params)]
    finally:
        await engine.dispose()


async def _execute(db_url: str, *statements: str) -> None:
    engine = create_async_engine(db_url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


async def _post_raw(service, raw: bytes):
    headers = {"x-webhook-secret": SECRET, "content-type": "application/json"}
    return await service.http.post(service.url + "/webhooks/evolution", content=raw, headers=headers)


async def test_a_lone_surrogate_in_a_text_is_stored_as_a_replacement_character(service, own_database):
    phone = "5511970004001"
    raw = json.dumps(text_message(phone, "oi PLACEHOLDER tudo bem")).replace("PLACEHOLDER", "\\ud800").encode()
    assert (await _post_raw(service, raw)).json() == {"result": "stored"}
    query = (
        "SELECT m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "JOIN clients k ON k.id = c.client_id WHERE k.phone = :phone"
    )
    assert await _stored(own_database, query, phone=phone) == [("oi \ufffd tudo bem",)]


@pytest.mark.parametrize(
    ("phone", "message_id", "field"),
    [("5511970004002", "A" * 129, "data.key.id"), ("5511970004003", "3A0D\x009E8F", "data.key.id")],
)
async def test_a_message_id_that_cannot_be_stored_is_400_with_the_reason(service, own_database, phone, message_id, field):
    response = await service.post(text_message(phone, "oi", message_id=message_id))
    assert response.status_code == 400 and field in response.json()["detail"]
    assert await _inbound_count(own_database, phone) == 0


async def test_the_longest_message_id_the_column_holds_is_stored(service, own_database):
    phone = "5511970004004"
    assert (await service.post(text_message(phone, "oi", message_id="B" * 128))).json() == {"result": "stored"}


async def test_a_lid_too_long_to_be_one_is_dropped_and_the_message_stored(service, own_database):
    phone = "5511970004005"
    body = text_message(phone, "oi")
    body["data"]["key"].update(remoteJid="9" * 75 + "@lid", remoteJidAlt=f"{phone}@s.whatsapp.net")
    assert (await service.post(body)).json() == {"result": "stored"}
    query = "SELECT a.address FROM client_addresses a JOIN clients k ON k.id = a.client_id WHERE k.phone = :phone"
    assert await _stored(own_database, query, phone=phone) == [(phone,)], "the number only: no alias"


async def test_one_lid_claimed_by_two_numbers_stays_with_the_first_and_both_messages_are_stored(service, own_database):
    lid = "44444444444444@lid"
    for phone in ("5511970004006", "5511970004007"):
        body = text_message(phone, "oi")
        body["data"]["key"].update(remoteJid=lid, remoteJidAlt=f"{phone}@s.whatsapp.net")
        assert (await service.post(body)).json() == {"result": "stored"}
    query = (
        "SELECT k.phone, a.address FROM clients k JOIN client_addresses a ON a.client_id = k.id "
        "WHERE k.phone IN ('5511970004006', '5511970004007') AND a.address LIKE '%@lid'"
    )
    assert await _stored(own_database, query) == [("5511970004006", lid)]


def _connection_update(state: str, instance: str = INSTANCE) -> dict:
    return {"event": "connection.update", "instance": instance, "data": {"instance": instance, "state": state, "statusReason": 200}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_connection_update("x" * 33), "data.state"),
        (_connection_update("open\x00"), "data.state"),
        (_connection_update("open", instance="i" * 129), "body.instance"),
    ],
)
async def test_a_name_or_state_that_cannot_be_stored_is_400_with_the_reason(service, body, field):
    response = await service.post(body)
    assert response.status_code == 400 and field in response.json()["detail"]


async def test_json_nested_deeper_than_64_levels_is_400(service):
    for depth in (65, 1_000, 100_000):
        response = await _post_raw(service, b"[" * depth + b"]" * depth)
        assert response.status_code == 400 and response.json()["detail"], (depth, response.text)


async def test_an_unexpected_failure_is_logged_with_its_traceback_and_is_500(service, own_database, admin_url):
    # A rule only this test's database has: the store fails as no input check foresaw.
    phone, message_id, text = "5511970004008", "3AFAILS0000000000001", "this text breaks a rule"
    await _execute(
        own_database,
        "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$BEGIN IF NEW.text = '{text}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END$$",
        "CREATE TRIGGER test_refuse BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_refuse()",
    )
    try:
        with structlog.testing.capture_logs() as logs:
            response = await service.post(text_message(phone, text, message_id=message_id))
    finally:
        await _execute(own_database, "DROP TRIGGER test_refuse ON messages", "DROP FUNCTION test_refuse()")
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    [failed] = [entry for entry in logs if entry["event"] == "request.failed"]
    assert failed["kind"] == "InboundText" and failed["message_id"] == message_id and failed["exc_info"]
    assert phone not in str(failed) and text not in str(failed)
