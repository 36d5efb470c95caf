"""The fake Evolution API speaks the real protocol, so gateway tests against it mean something."""

import time
from collections.abc import Iterator

import httpx
import pytest

from adapters.evolution.events import OwnMessage
from adapters.evolution.parsing import parse_webhook
from tests.fakes.evolution_server import (
    FIXTURES,
    FakeEvolution,
    failure,
    held,
    load_fixture,
    not_on_whatsapp,
    post_webhook,
    sent,
    server_error,
    slow,
)

TOKEN = "fake-instance-token"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeEvolution]:
    with FakeEvolution(instances={"cs-bot": TOKEN}, global_key="fake-global-key") as fake:
        yield fake


@pytest.fixture
def evolution(server: FakeEvolution) -> FakeEvolution:
    server.reset()
    return server


@pytest.fixture
def client(evolution: FakeEvolution) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=evolution.base_url, headers={"apikey": TOKEN}, timeout=5) as http:
        yield http


def send_text(client: httpx.Client, number: str = "5511999990001", text: str = "Olá!", **extra) -> httpx.Response:
    return client.post("/message/sendText/cs-bot", json={"number": number, "text": text, **extra})


class TestSendText:
    def test_answers_201_with_the_sent_message(self, evolution, client):
        response = send_text(client)

        assert response.status_code == 201
        body = response.json()
        assert body["key"]["remoteJid"] == "5511999990001@s.whatsapp.net"
        assert body["key"]["fromMe"] is True
        assert body["key"]["id"].startswith("3EB0") and len(body["key"]["id"]) == 22
        assert body["status"] == "PENDING"
        assert body["message"] == {"conversation": "Olá!"}
        assert (body["messageType"], body["pushName"], body["source"]) == ("conversation", "Você", "web")
        assert isinstance(body["messageTimestamp"], int) and abs(body["messageTimestamp"] - time.time()) < 60
        assert evolution.sent == [body]

    def test_the_answer_echoed_as_send_message_parses_to_the_same_id(self, client):
        # sendMessageWithTyping() posts the same prepareMessage() body as the send.message webhook.
        answer = send_text(client).json()
        event = parse_webhook({"event": "send.message", "instance": "cs-bot", "data": answer})
        assert isinstance(event, OwnMessage) and event.from_api
        assert (event.message_id, event.phone, event.text) == (answer["key"]["id"], "5511999990001", "Olá!")

    def test_records_every_request(self, evolution, client):
        send_text(client, text="primeira")
        client.post("/message/sendText/cs-bot", headers={"apikey": "wrong"}, json={"number": "1", "text": "x"})

        assert [r.json()["text"] for r in evolution.requests] == ["primeira", "x"]
        assert evolution.requests[0].path == "/message/sendText/cs-bot"
        assert evolution.requests[0].headers["apikey"] == TOKEN
        assert len(evolution.sent) == 1

    def test_the_global_key_is_accepted_too(self, client):
        # auth.guard.ts: the global AUTHENTICATION_API_KEY, or the instance's own token.
        body = {"number": "5511999990001", "text": "a"}
        response = client.post("/message/sendText/cs-bot", headers={"apikey": "fake-global-key"}, json=body)
        assert response.status_code == 201

    def test_brazilian_numbers_lose_the_ninth_digit_outside_ddd_11_to_30(self, client):
        # createJid.ts: those accounts predate the ninth digit, so WhatsApp knows them without it.
        assert send_text(client, number="5561999990001").json()["key"]["remoteJid"] == "556199990001@s.whatsapp.net"
        assert send_text(client, number="+55 (21) 99999-0001").json()["key"]["remoteJid"] == ("5521999990001@s.whatsapp.net")

    def test_sends_to_the_account_whatsapp_knows(self, evolution, client):
        # whatsappNumber(): onWhatsApp may answer a DDD 31+ mobile with its ninth digit (a newer
        # account), or a number written without it with the ninth digit; that JID is stored.
        evolution.accounts["5531988887777"] = "5531988887777@s.whatsapp.net"
        assert send_text(client, number="5531988887777").json()["key"]["remoteJid"] == "5531988887777@s.whatsapp.net"

    def test_a_lid_is_addressed_as_is(self, client):
        assert send_text(client, number="333333333333333@lid").json()["key"]["remoteJid"] == "333333333333333@lid"

    def test_delay_is_typing_time_before_the_answer(self, client):
        started = time.monotonic()
        assert send_text(client, delay=300).status_code == 201
        assert time.monotonic() - started >= 0.3


class TestGuards:
    @pytest.mark.parametrize("headers", [{"apikey": "wrong"}, {"apikey": ""}])
    def test_a_wrong_key_is_401(self, evolution, client, headers):
        evolution.plan(server_error())
        response = client.post("/message/sendText/cs-bot", headers=headers, json={"number": "1", "text": "x"})

        assert response.status_code == 401
        assert response.json() == {"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}}
        assert send_text(client).status_code == 500, "the planned reply was not used up by the refused request"

    def test_a_missing_key_is_401(self, evolution):
        response = httpx.post(f"{evolution.base_url}/message/sendText/cs-bot", json={"number": "1", "text": "x"})
        assert response.status_code == 401

    def test_an_unknown_instance_is_404_even_with_a_wrong_key(self, client):
        # index.router.ts runs instanceExistsGuard before the apikey guard.
        response = client.post("/message/sendText/other", headers={"apikey": "wrong"}, json={})
        assert response.status_code == 404
        assert response.json() == {
            "status": 404, "error": "Not Found", "response": {"message": ['The "other" instance does not exist']},
        }  # fmt: skip

    def test_an_unknown_route_is_404(self, client):
        response = client.get("/instance/fetchInstances")
        assert response.json()["response"] == {"message": ["Cannot GET /instance/fetchInstances"]}

    @pytest.mark.parametrize(
        "body, message",
        [
            ({"number": "5511999990001"}, [['instance requires property "text"']]),
            ({"number": 5511999990001, "text": "oi"}, [["Invalid format"]]),
            ({"number": "5511999990001", "text": "   "}, ["Text is required"]),
        ],
    )
    def test_invalid_bodies_are_400(self, evolution, client, body, message):
        response = client.post("/message/sendText/cs-bot", json=body)
        assert response.status_code == 400
        assert response.json() == {"status": 400, "error": "Bad Request", "response": {"message": message}}
        assert evolution.sent == []


class TestFailurePlan:
    def test_two_server_errors_then_success(self, evolution, client):
        evolution.plan(server_error(), server_error())

        statuses = [send_text(client).status_code for _ in range(3)]

        assert statuses == [500, 500, 201]
        assert len(evolution.requests) == 3 and len(evolution.sent) == 1

    def test_server_error_body(self, evolution, client):
        evolution.plan(server_error("Connection Closed"))
        assert send_text(client).json() == {
            "status": 500, "error": "Internal Server Error", "response": {"message": "Connection Closed"},
        }  # fmt: skip

    def test_not_on_whatsapp(self, evolution, client):
        evolution.plan(not_on_whatsapp())

        response = send_text(client, number="5561999990001")

        assert response.status_code == 400
        # The jid is createJid()'s; `number` is what was sent.
        answer = {"jid": "556199990001@s.whatsapp.net", "exists": False, "number": "5561999990001"}
        assert response.json() == {"status": 400, "error": "Bad Request", "response": {"message": [answer]}}
        assert evolution.sent == []

    def test_any_failure(self, evolution, client):
        evolution.plan(failure(400, ["Error: Timed Out"]), sent())
        assert send_text(client).json()["response"] == {"message": ["Error: Timed Out"]}
        assert send_text(client).status_code == 201

    def test_slower_than_the_client_timeout_but_still_sent(self, evolution, client):
        evolution.plan(slow(0.6))

        with pytest.raises(httpx.ReadTimeout):
            client.post("/message/sendText/cs-bot", json={"number": "5511999990001", "text": "atrasada"}, timeout=0.2)

        deadline = time.monotonic() + 3
        while not evolution.sent and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["message"]["conversation"] for m in evolution.sent] == ["atrasada"]
        assert send_text(client).status_code == 201, "the plan is used up: the next send is quick"

    def test_a_held_send_goes_out_when_released_even_if_its_client_is_gone(self, evolution, client):
        evolution.plan(held())
        with pytest.raises(httpx.ReadTimeout):
            client.post("/message/sendText/cs-bot", json={"number": "5511999990001", "text": "retida"}, timeout=0.2)
        assert (evolution.holding, evolution.sent) == (1, [])

        evolution.release_held()

        deadline = time.monotonic() + 3
        while evolution.holding and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [m["message"]["conversation"] for m in evolution.sent] == ["retida"]


def test_stopping_does_not_wait_for_a_planned_delay():
    fake = FakeEvolution(instances={"cs-bot": TOKEN}).start()
    fake.plan(slow(60))
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{fake.base_url}/message/sendText/cs-bot",
            headers={"apikey": TOKEN},
            json={"number": "5511999990001", "text": "x"},
            timeout=0.2,
        )

    started = time.monotonic()
    fake.stop()

    assert time.monotonic() - started < 5


@pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"no Evolution webhook fixtures in {FIXTURES}")
class TestPostWebhook:
    async def test_posts_the_fixture_as_json(self, evolution):
        body = load_fixture("v2-messages-upsert-text")

        await post_webhook(f"{evolution.base_url}/webhooks/evolution", body)

        assert evolution.requests[-1].path == "/webhooks/evolution"
        assert evolution.requests[-1].headers["content-type"] == "application/json"
        assert evolution.requests[-1].json() == body

    async def test_by_events_adds_the_event_to_the_path(self, evolution):
        await post_webhook(f"{evolution.base_url}/hook", load_fixture("v2-connection-update-open.json"), by_events=True)
        assert evolution.requests[-1].path == "/hook/connection-update"


def find_messages(client: httpx.Client, where: dict, **paging) -> httpx.Response:
    return client.post("/chat/findMessages/cs-bot", json={"where": where, **paging})


class TestFindMessages:
    def test_finds_sent_messages_newest_first_as_stored_rows(self, evolution, client):
        first = send_text(client, text="primeira").json()
        second = send_text(client, number="5521999990002", text="segunda").json()

        response = find_messages(client, {"key": {"fromMe": True}})

        assert response.status_code == 200
        page = response.json()["messages"]
        assert (page["total"], page["pages"], page["currentPage"]) == (2, 1, 1)
        assert [r["key"]["id"] for r in page["records"]] == [second["key"]["id"], first["key"]["id"]]
        record = page["records"][1]
        assert set(record) == {
            "id",
            "key",
            "pushName",
            "messageType",
            "message",
            "messageTimestamp",
            "instanceId",
            "source",
            "MessageUpdate",
        }
        assert record["message"] == {"conversation": "primeira"}

    def test_filters_by_chat_and_time_and_pages(self, evolution, client):
        for text in ("a", "b", "c"):
            send_text(client, text=text)
        send_text(client, number="5521999990002", text="d")
        chat = {"key": {"remoteJid": "5511999990001@s.whatsapp.net"}}

        assert [r["message"]["conversation"] for r in find_messages(client, chat, offset=2, page=2).json()["messages"]["records"]] == ["a"]
        past = {"gte": "2020-01-01T00:00:00+00:00", "lte": "2020-01-02T00:00:00+00:00"}
        assert find_messages(client, {**chat, "messageTimestamp": past}).json()["messages"]["total"] == 0

    def test_pages_hold_50_records_unless_offset_says(self, evolution, client):
        for i in range(51):
            send_text(client, text=f"m{i}")
        first = find_messages(client, {}).json()["messages"]
        assert (first["total"], first["pages"], first["currentPage"], len(first["records"])) == (51, 2, 1, 50)
        last = find_messages(client, {}, page=2).json()["messages"]
        assert (last["currentPage"], [r["message"]["conversation"] for r in last["records"]]) == (2, ["m0"])
        assert find_messages(client, {}, page=3).json()["messages"]["records"] == []
        assert find_messages(client, {}, offset=100).json()["messages"]["pages"] == 1

    def test_a_chat_is_one_exact_jid(self, evolution, client):
        # The filter is `key.remoteJid equals`: the other ninth-digit form is another chat.
        send_text(client, number="5531988887777")
        assert find_messages(client, {"key": {"remoteJid": "553188887777@s.whatsapp.net"}}).json()["messages"]["total"] == 1
        assert find_messages(client, {"key": {"remoteJid": "5531988887777@s.whatsapp.net"}}).json()["messages"]["total"] == 0

    def test_nothing_when_evolution_keeps_no_messages(self, evolution, client):
        evolution.save_messages = False
        send_text(client)
        assert find_messages(client, {"key": {"fromMe": True}}).json()["messages"]["records"] == []

    def test_guards_and_planned_failures(self, evolution, client):
        assert client.post("/chat/findMessages/cs-bot", json={}, headers={"apikey": "wrong"}).status_code == 401
        evolution.plan_lookups(server_error())
        assert find_messages(client, {}).status_code == 500
        assert find_messages(client, {}).status_code == 200
        assert len(evolution.lookups()) == 3


def test_webhook_set_validates_and_stores_as_evolution(evolution, client):
    headers = {"apikey": "fake-global-key"}
    missing = client.post("/webhook/set/cs-bot", json={"webhook": {"enabled": True}}, headers=headers)
    assert missing.status_code == 400 and missing.json()["response"]["message"] == [['webhook requires property "url"']]
    unknown = client.post(
        "/webhook/set/cs-bot", json={"webhook": {"enabled": True, "url": "http://x", "events": ["NOPE"]}}, headers=headers
    )
    assert unknown.status_code == 400 and "is not one of enum values" in unknown.json()["response"]["message"][0][0]
    every = client.post("/webhook/set/cs-bot", json={"webhook": {"enabled": True, "url": "http://x", "events": []}}, headers=headers)
    assert every.status_code == 201 and "QRCODE_UPDATED" in every.json()["events"]
    assert client.get("/instance/connectionState/cs-bot", headers=headers).json() == {
        "instance": {"instanceName": "cs-bot", "state": "close"}
    }
    assert client.get("/instance/connectionState/nobody", headers=headers).status_code == 404


def test_instance_create_guards_as_evolution(evolution, client):
    body = {"instanceName": "cs-bot", "integration": "WHATSAPP-BAILEYS"}
    assert client.post("/instance/create", json=body, headers={"apikey": "fake-global-key"}).status_code == 403  # name in use
    new = {**body, "instanceName": "cs-nova"}
    assert client.post("/instance/create", json=new).status_code == 401  # an instance token creates nothing
    assert client.post("/instance/create", json={**new, "integration": "X"}, headers={"apikey": "fake-global-key"}).status_code == 400
    created = client.post("/instance/create", json=new, headers={"apikey": "fake-global-key"})
    assert created.status_code == 201 and created.json()["instance"]["status"] == "close"
    state = client.get("/instance/connectionState/cs-nova", headers={"apikey": created.json()["hash"]})
    assert state.json() == {"instance": {"instanceName": "cs-nova", "state": "close"}}
