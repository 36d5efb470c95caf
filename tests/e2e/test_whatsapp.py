"""The WhatsApp service end to end: real HTTP in, real PostgreSQL, real HTTP out to a fake
Evolution API that speaks its protocol."""

import asyncio
import copy
import datetime as dt
import time

import jwt
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import create_async_engine
from structlog.testing import capture_logs

from tests.e2e.whatsapp import (
    INSTANCE,
    SECRET,
    ShiftedClock,
    running_service,
    service_settings,
    staff_message,
    text_message,
    wait_for_replies,
)
from tests.fakes.evolution_server import FakeEvolution, load_fixture, not_on_whatsapp, server_error


@pytest.fixture(scope="module")
def evolution():
    with FakeEvolution(instances={INSTANCE: "fake-instance-token"}) as server:
        yield server


@pytest.fixture(scope="module")
async def service(database_url, evolution, tmp_path_factory):
    from entrypoints.settings import Settings
    from tests import PROJECT_ROOT

    base = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("service"), knowledge_dir=PROJECT_ROOT / "knowledge")
    async for running in running_service(service_settings(base, evolution), ShiftedClock()):
        yield running


@pytest.fixture(scope="module")
async def db(database_url):
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def _messages(db, phone: str) -> list[tuple[str, str, str, str | None]]:
    async with db.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT m.direction, m.author, m.status, m.route FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                "JOIN clients k ON k.id = c.client_id WHERE k.phone = :phone ORDER BY m.created_at, m.seq"
            ),
            {"phone": phone},
        )
        return [tuple(row) for row in rows]


async def test_burst_is_answered_once(service, evolution):
    phone = "5511970000001"
    for text in ("oi", "tudo bem?", "quanto custa o plano mensal?"):
        assert (await service.post(text_message(phone, text))).json() == {"result": "stored"}
    replies = await wait_for_replies(evolution, phone, 1)
    assert len(replies) == 1 and "R$ 189" in replies[0]


async def test_burst_is_ordered_by_the_channel_timestamp(service, evolution, db):
    phone = "5511970000002"
    now = int(time.time())
    await service.post(text_message(phone, "quanto custa o plano mensal?", timestamp=now))
    await service.post(text_message(phone, "oi", timestamp=now - 5))
    await wait_for_replies(evolution, phone, 1)
    async with db.connect() as connection:
        texts = (
            (
                await connection.execute(
                    sa.text(
                        "SELECT m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN clients k ON k.id = c.client_id "
                        "WHERE k.phone = :phone AND m.direction = 'in' ORDER BY m.created_at"
                    ),
                    {"phone": phone},
                )
            )
            .scalars()
            .all()
        )
    assert texts == ["oi", "quanto custa o plano mensal?"]


async def test_duplicate_delivery_is_stored_and_answered_once(service, evolution, db):
    phone = "5511970000003"
    body = text_message(phone, "qual o endereço?")
    results = await asyncio.gather(*(service.post(copy.deepcopy(body)) for _ in range(4)))
    assert sorted(r.json()["result"] for r in results) == ["duplicate", "duplicate", "duplicate", "stored"]
    assert len(await wait_for_replies(evolution, phone, 1)) == 1
    assert [m[:2] for m in await _messages(db, phone)] == [("in", "member"), ("out", "bot")]


async def test_by_event_suffix_and_double_slash_are_the_same_endpoint(service, evolution):
    phone = "5511970000004"
    assert (await service.post(text_message(phone, "oi"), path="/webhooks/evolution/messages-upsert")).status_code == 200
    assert (await service.post(text_message(phone, "bom dia"), path="/webhooks/evolution//messages-upsert")).status_code == 200
    assert len(await wait_for_replies(evolution, phone, 1)) == 1


@pytest.mark.parametrize("fixture", ["v2-messages-upsert-group"])
async def test_groups_are_acknowledged_and_ignored(service, evolution, fixture):
    before = len(evolution.sent)
    response = await service.post(load_fixture(fixture))
    assert response.status_code == 200 and response.json()["result"] == "ignored"
    await asyncio.sleep(0.8)
    assert len(evolution.sent) == before


async def test_status_and_reactions_are_ignored(service, evolution):
    status = text_message("5511970000005", "story")
    status["data"]["key"]["remoteJid"] = "status@broadcast"
    reaction = text_message("5511970000005", "x")
    reaction["data"]["message"] = {"reactionMessage": {"text": "👍", "key": {"id": "ABC"}}}
    reaction["data"]["messageType"] = "reactionMessage"
    for body in (status, reaction):
        assert (await service.post(body)).json()["result"] == "ignored"
    assert await wait_for_replies(evolution, "5511970000005", 0) == []


async def test_audio_gets_a_polite_reply(service, evolution):
    body = copy.deepcopy(load_fixture("v2-messages-upsert-audio"))
    phone = body["data"]["key"]["remoteJid"].split("@")[0]
    [reply] = await wait_for_replies(evolution, phone, 1) if (await service.post(body)).status_code == 200 else [None]
    assert "áudio" in reply


async def test_staff_takeover_and_resume_from_the_phone(service, evolution, db):
    phone = "5511970000006"
    await service.post(text_message(phone, "oi"))
    assert len(await wait_for_replies(evolution, phone, 1)) == 1
    assert (await service.post(staff_message(phone, "Oi! Aqui é a Carla, da recepção."))).json() == {"result": "staff"}
    await service.post(text_message(phone, "oi Carla, quanto custa o plano mensal?"))
    assert len(await wait_for_replies(evolution, phone, 2, timeout=1.5)) == 1  # the bot stays quiet
    assert (await service.post(staff_message(phone, "#bot"))).json() == {"result": "resumed"}
    await service.post(text_message(phone, "e o plano anual?"))
    replies = await wait_for_replies(evolution, phone, 2)
    assert len(replies) == 2
    kinds = await _messages(db, phone)
    assert ("out", "staff", "sent", None) in kinds and kinds.count(("in", "member", "processed", "paused")) == 1
    async with db.connect() as connection:
        changes = (
            await connection.execute(
                sa.text(
                    "SELECT s.before, s.after, s.cause FROM status_changes s JOIN conversations c ON c.id = s.conversation_id "
                    "JOIN clients k ON k.id = c.client_id WHERE k.phone = :phone ORDER BY s.at"
                ),
                {"phone": phone},
            )
        ).all()
    assert [tuple(c) for c in changes] == [
        ("bot", "human", "staff wrote from the phone"),
        ("human", "bot", "staff typed #bot on the phone"),
    ]


async def test_pause_runs_out_without_staff_messages(service, evolution):
    phone = "5511970000007"
    await service.post(staff_message(phone, "Olá, tudo bem? Aqui é do CT."))
    await service.post(text_message(phone, "oi"))
    assert await wait_for_replies(evolution, phone, 1, timeout=1.5) == []
    service.clock.offset += dt.timedelta(hours=13)
    try:
        await service.post(text_message(phone, "alguém aí? quanto custa o mensal?"))
        assert len(await wait_for_replies(evolution, phone, 1)) == 1
    finally:
        service.clock.offset -= dt.timedelta(hours=13)


async def test_bot_echoes_are_not_staff(service, evolution):
    phone = "5511970000008"
    await service.post(text_message(phone, "oi"))
    [reply] = await wait_for_replies(evolution, phone, 1)
    sent_id = next(m["key"]["id"] for m in evolution.sent if m["message"]["conversation"] == reply)
    echo = staff_message(phone, reply)
    echo["event"] = "send.message"
    echo["data"]["key"]["id"] = sent_id
    assert (await service.post(echo)).json() == {"result": "bot_echo"}
    await service.post(text_message(phone, "quanto custa o plano mensal?"))
    assert len(await wait_for_replies(evolution, phone, 2)) == 2


async def test_the_echo_of_a_send_beats_its_answer(service, evolution, db):
    # As Evolution does: send.message is posted before sendText answers with the id.
    phone = "5511970000018"
    evolution.echo_to(service.url + "/webhooks/evolution", {"x-webhook-secret": SECRET})
    try:
        await service.post(text_message(phone, "qual o endereço?"))
        [_reply] = await wait_for_replies(evolution, phone, 1)
    finally:
        evolution.echo_to(None)
    assert evolution.echo_answers == [{"result": "bot_echo"}]
    assert await _messages(db, phone) == [("in", "member", "processed", "faq"), ("out", "bot", "sent", None)]
    await service.post(text_message(phone, "e o horário do jiu-jitsu?"))
    assert len(await wait_for_replies(evolution, phone, 2)) == 2, "the bot was not paused by its own echo"


async def test_evolution_errors_are_retried_then_delivered_once(service, evolution, db):
    phone = "5511970000009"
    evolution.plan(server_error(), server_error())
    await service.post(text_message(phone, "qual o endereço?"))
    assert len(await wait_for_replies(evolution, phone, 1)) == 1
    assert ("out", "bot", "sent", None) in await _messages(db, phone)


async def test_client_errors_are_recorded_as_failed(service, evolution, db):
    phone = "5511970000010"
    evolution.plan(not_on_whatsapp())
    await service.post(text_message(phone, "qual o endereço?"))
    await wait_for_replies(evolution, phone, 1, timeout=2)
    assert ("out", "bot", "failed", None) in await _messages(db, phone)
    async with db.connect() as connection:
        error = (
            await connection.execute(
                sa.text(
                    "SELECT o.last_error FROM outbox o JOIN messages m ON m.id = o.message_id JOIN conversations c ON c.id = m.conversation_id "
                    "JOIN clients k ON k.id = c.client_id WHERE k.phone = :phone"
                ),
                {"phone": phone},
            )
        ).scalar_one()
    assert error.startswith("400")


async def test_acks_and_connection_updates_are_recorded(service, evolution, db):
    phone = "5511970000011"
    await service.post(text_message(phone, "oi"))
    await wait_for_replies(evolution, phone, 1)
    sent_id = evolution.sent[-1]["key"]["id"]
    ack = copy.deepcopy(load_fixture("v2-messages-update-ack"))
    ack["data"].update(keyId=sent_id, remoteJid=f"{phone}@s.whatsapp.net", status="READ")
    assert (await service.post(ack)).json()["result"] == "recorded"
    assert (await service.post(load_fixture("v2-connection-update-open"))).json() == {"result": "recorded"}
    async with db.connect() as connection:
        assert (
            await connection.execute(sa.text("SELECT delivery_status FROM messages WHERE channel_message_id = :id"), {"id": sent_id})
        ).scalar_one() == "READ"
        assert (
            await connection.execute(sa.text("SELECT connection_state, connected FROM channels WHERE name = :n"), {"n": INSTANCE})
        ).one() == ("open", True)


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"x-webhook-secret": "wrong"}, 401), ({"authorization": "Bearer not-a-jwt"}, 401)],
)
async def test_calls_without_the_secret_are_refused_and_store_nothing(service, db, headers, status):
    phone = "5511970000012"
    response = await service.post(text_message(phone, "oi"), headers=headers)
    assert response.status_code == status and response.json()["detail"]
    assert await _messages(db, phone) == []


async def test_evolution_jwt_is_accepted(service, evolution):
    now = int(time.time())  # the claims Evolution 2.3 signs
    token = jwt.encode({"iat": now, "exp": now + 600, "app": "evolution", "action": "webhook"}, SECRET, algorithm="HS256")
    response = await service.post(text_message("5511970000013", "oi"), headers={"authorization": f"Bearer {token}"})
    assert response.json() == {"result": "stored"}


async def test_unknown_instance_is_404_and_stores_nothing(service, db):
    body = text_message("5511970000014", "oi")
    body["instance"] = "someone-else"
    response = await service.post(body)
    assert response.status_code == 404 and "someone-else" in response.json()["detail"]
    assert await _messages(db, "5511970000014") == []


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[]", b'{"event": "messages.upsert"}', b'{"event": "messages.upsert", "instance": "cs-bot", "data": {}}']
)
async def test_malformed_bodies_are_400_with_a_reason(service, raw):
    response = await service.http.post(
        service.url + "/webhooks/evolution", content=raw, headers={"x-webhook-secret": SECRET, "content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["detail"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
_FIXTURES = [
    "v2-messages-upsert-text",
    "v1-messages-upsert-extended-text",
    "v2-messages-upsert-lid",
    "v2-messages-update-ack",
    "v2-connection-update-open",
]


@st.composite
def _mutated_fixture(draw) -> object:
    body = copy.deepcopy(load_fixture(draw(st.sampled_from(_FIXTURES))))
    node = body
    path = draw(st.lists(st.integers(0, 20), max_size=4))
    for step in path:
        if not isinstance(node, dict) or not node:
            break
        key = sorted(node)[step % len(node)]
        if not isinstance(node[key], dict) or draw(st.booleans()):
            if draw(st.booleans()):
                del node[key]
            else:
                node[key] = draw(_json)
            break
        node = node[key]
    return body


async def _message_count(db) -> int:
    async with db.connect() as connection:
        return (await connection.execute(sa.text("SELECT count(*) FROM messages WHERE direction = 'in'"))).scalar_one()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_json | _mutated_fixture())
async def test_any_body_gets_2xx_or_4xx_and_rejected_ones_store_nothing(service, db, body):
    before = await _message_count(db)
    response = await service.post(body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["detail"] and await _message_count(db) == before


async def _health(service) -> dict:
    response = await service.http.get(service.url + "/health")
    assert response.status_code == 200
    return response.json()


async def test_health_reports_replies_given_up(service, evolution):
    before = (await _health(service))["backlog"]
    phone = "5511970000019"
    evolution.plan(not_on_whatsapp())
    await service.post(text_message(phone, "qual o endereço?"))
    await wait_for_replies(evolution, phone, 1, timeout=2)
    assert (await _health(service))["backlog"]["replies_given_up"] == before["replies_given_up"] + 1


async def test_health_reports_a_stuck_burst(service, evolution, db):
    phone = "5511970000020"
    baseline = (await _health(service))["backlog"]["bursts_overdue"]
    await service.post(text_message(phone, "qual o endereço?"))
    stuck = (
        "UPDATE conversations SET due_at = now() - interval '10 minutes', claimed_until = {until} "
        "WHERE client_id = (SELECT id FROM clients WHERE phone = :phone)"
    )
    async with db.begin() as connection:  # a worker holds it and never finishes
        await connection.execute(sa.text(stuck.format(until="now() + interval '1 hour'")), {"phone": phone})
    health = await _health(service)
    assert health["status"] == "behind" and health["backlog"]["bursts_overdue"] == baseline + 1
    async with db.begin() as connection:  # the lease runs out: a worker answers it
        await connection.execute(sa.text(stuck.format(until="NULL")), {"phone": phone})
    assert len(await wait_for_replies(evolution, phone, 1)) == 1
    assert (await _health(service))["backlog"]["bursts_overdue"] == baseline


async def test_a_number_that_drops_is_in_health_and_the_log_once_until_it_is_back(service):
    logged_out = copy.deepcopy(load_fixture("v2-connection-update-open"))
    logged_out["data"].update(state="close", statusReason=401)
    assert (await service.post(load_fixture("v2-connection-update-open"))).json() == {"result": "recorded"}
    with capture_logs() as logs:
        await service.post(logged_out)
        await service.post(logged_out)  # Evolution repeats itself: staff hear of the drop once

    health = await _health(service)
    assert health["status"] == "channel_down"
    assert [(c["channel"], c["state"]) for c in health["channels_down"]] == [(INSTANCE, "close")]
    assert [(log["channel"], log["state"]) for log in logs if log["event"] == "channel.down"] == [(INSTANCE, "close")]

    await service.post(load_fixture("v2-connection-update-open"))
    health = await _health(service)
    assert health["channels_down"] == [] and health["status"] != "channel_down"
