"""A fake Evolution API (v2.3.x, Baileys channel) on a real loopback HTTP port, for e2e tests.

Implements, as evolution-api 2.3.7 answers them, with the guards of src/api/routes/index.router.ts
(instance exists -> 404, then apikey -> 401) and the error body of src/main.ts
(`{status, error, response: {message}}`):
- `POST /message/sendText/{instance}`: body validation of src/validate/message.schema.ts
  (`textMessageSchema`, via src/api/abstract/abstract.router.ts), the send in
  `sendMessageWithTyping()` of src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts
  (201 with `prepareMessage()`'s body, to the JID `whatsappNumber()` answers: `accounts`, else
  createJid's; the message is stored, as with DATABASE_SAVE_DATA_NEW_MESSAGE=true, unless
  `save_messages` is off);
- `POST /chat/findMessages/{instance}`: `fetchMessages()` of channel.service.ts and its Baileys
  override (filters on `where.key.{id,fromMe,remoteJid}`, each an exact match, and on
  `where.messageTimestamp.{gte,lte}` when both are given; newest first; `offset` records per page,
  default 50, `page` from 1, computed at each request, so sends stored between two requests shift
  the pages), answering 200 with `{messages: {total, pages, currentPage, records}}`.
- `POST /webhook/set/{instance}`: the validation of
  src/api/integrations/event/webhook/webhook.schema.ts and the upsert of webhook.controller.ts
  (enabled with no events means every event; disabled, none), answering 201 with the stored row;
- `POST /instance/create`: instanceLoggedGuard (a name in use is a 403), then the global key only;
  a Baileys instance (`integration: WHATSAPP-BAILEYS`), created closed, answered 201;
- `GET /instance/connectionState/{instance}`: `{instance: {instanceName, state}}`;
- `GET /instance/connect/{instance}` as instanceController.connectToWhatsapp: an open instance
  answers its connection state; otherwise it starts connecting and answers the QR code
  (`{pairingCode, code, base64, count}`, a pairing code when the query has `number`).

Tests plan failures with `plan(...)` (sendText) and `plan_lookups(...)` (findMessages); each
request that passes the guards and the validation takes the next planned `Reply` (a real success
when none is left; a `held()` send waits for `release_held()`). Every request is recorded;
`webhooks` holds each instance's webhook as set, `states` each one's connection state (`close`
until a test says otherwise).
"""

import asyncio
import base64
import datetime as dt
import json
import math
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import httpx

from tests.fakes.loopback import LoopbackServer, read_body

INSTANCE_ID = "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b"
# EventController.events (src/api/integrations/event/event.controller.ts): what a webhook may ask for.
EVENTS = (
    "APPLICATION_STARTUP QRCODE_UPDATED MESSAGES_SET MESSAGES_UPSERT MESSAGES_EDITED MESSAGES_UPDATE MESSAGES_DELETE"
    " SEND_MESSAGE SEND_MESSAGE_UPDATE CONTACTS_SET CONTACTS_UPSERT CONTACTS_UPDATE PRESENCE_UPDATE CHATS_SET"
    " CHATS_UPSERT CHATS_UPDATE CHATS_DELETE GROUPS_UPSERT GROUP_UPDATE GROUP_PARTICIPANTS_UPDATE CONNECTION_UPDATE"
    " LABELS_EDIT LABELS_ASSOCIATION CALL TYPEBOT_START TYPEBOT_CHANGE_STATUS REMOVE_INSTANCE LOGOUT_INSTANCE"
    " INSTANCE_CREATE INSTANCE_DELETE STATUS_INSTANCE"
).split()
# The routes served, with their method (src/api/routes/*.router.ts).
ROUTES = {
    "message/sendText": "POST",
    "chat/findMessages": "POST",
    "webhook/set": "POST",
    "instance/connectionState": "GET",
    "instance/connect": "GET",
}
# A 1x1 PNG: what the QR code's `base64` carries, as a data URL.
QR_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
# Evolution payload samples, each with its provenance in the README beside them.
FIXTURES = Path(__file__).parents[1] / "fixtures" / "evolution"


@attrs.frozen
class Reply:
    """One planned answer. `body` is JSON, or a function of the request's JSON giving it;
    None means the real success body. `delay` (seconds) comes before the answer; a `held` send
    waits for `FakeEvolution.release_held()` first."""

    status: int = 201
    body: object | Callable[[Any], object] = None
    delay: float = 0.0
    held: bool = False


def sent(delay: float = 0.0) -> Reply:
    return Reply(delay=delay)


def held() -> Reply:
    """Succeeds once the test calls `release_held()`: Evolution holds the send for as long as the
    test needs, e.g. across a kill of the process that sent it, which never learns the outcome."""
    return Reply(held=True)


def slow(seconds: float) -> Reply:
    """Succeeds, but only after `seconds`: longer than the client's timeout, the message is
    still sent (Evolution does not notice the client gave up)."""
    return Reply(delay=seconds)


def failure(status: int, message: object, error: str | None = None) -> Reply:
    errors = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}
    return Reply(status=status, body=error_body(status, error or errors.get(status, "Error"), message))


def server_error(message: str = "Connection Closed") -> Reply:
    # An error thrown outside sendMessageWithTyping's try (e.g. Baileys' onWhatsApp while the
    # phone is disconnected) reaches src/main.ts's handler with no status: 500.
    return failure(500, message)


def not_on_whatsapp() -> Reply:
    """400 from sendMessageWithTyping: `BadRequestException(isWA)` with the OnWhatsAppDto."""
    return Reply(
        status=400,
        body=lambda request: error_body(
            400, "Bad Request", [{"jid": create_jid(request["number"]), "exists": False, "number": request["number"]}]
        ),
    )


def error_body(status: int, error: str, message: object) -> dict:
    return {"status": status, "error": error, "response": {"message": message}}


@attrs.frozen
class ReceivedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeEvolution:
    """Use as a context manager: `with FakeEvolution() as evolution: evolution.base_url ...`.
    `instances` maps instance names to their tokens; `global_key` opens every instance."""

    def __init__(self, *, instances: Mapping[str, str] | None = None, global_key: str = "fake-global-key") -> None:
        self._given_instances = dict(instances or {"cs-bot": "fake-instance-token"})
        self.instances = dict(self._given_instances)
        self.global_key = global_key
        self.requests: list[ReceivedRequest] = []
        self.sent: list[dict] = []  # success bodies, in the order the messages were "sent"
        self.save_messages = True
        # What Baileys' onWhatsApp answers for a `number`: the JID of the account, which Evolution
        # sends to and stores the message under. WhatsApp knows a Brazilian mobile with or without
        # its ninth digit depending on the account's age; unlisted numbers get createJid's JID.
        self.accounts: dict[str, str] = {}
        self._stored: list[dict] = []  # what findMessages searches
        self.webhooks: dict[str, dict] = {}
        self.states: dict[str, str] = dict.fromkeys(self.instances, "close")  # Baileys: open, connecting, close
        self._plan: deque[Reply] = deque()
        self._lookup_plan: deque[Reply] = deque()
        self._echo: tuple[str, Mapping[str, str]] | None = None
        self.echo_answers: list[dict] = []  # what the webhook answered to each echo
        self.holding = 0  # held sends not yet answered
        self._held_released = threading.Event()
        self._released = threading.Event()
        self._server = LoopbackServer(self._app, "fake-evolution")
        self.base_url = ""

    def plan(self, *replies: Reply) -> None:
        self._plan.extend(replies)

    def plan_lookups(self, *replies: Reply) -> None:
        self._lookup_plan.extend(replies)

    def echo_to(self, url: str | None, headers: Mapping[str, str] | None = None) -> None:
        """Posts a `send.message` webhook for each message sent, as Evolution does, before
        sendText answers (so the echo always beats the id it returns); None stops it."""
        self._echo = (url, dict(headers or {})) if url else None

    def release_held(self) -> None:
        """Lets every held send go on, and any later one (until `reset`)."""
        self._held_released.set()

    def lookups(self) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path.startswith("/chat/findMessages/")]

    def reset(self) -> None:
        """Forgets requests, sent and stored messages, accounts, created instances, webhooks,
        connections and any reply still planned."""
        self.requests.clear()
        self.sent.clear()
        self._stored.clear()
        self.accounts.clear()
        self.instances = dict(self._given_instances)
        self.webhooks.clear()
        self.states = dict.fromkeys(self.instances, "close")
        self._plan.clear()
        self._lookup_plan.clear()
        self._echo = None
        self.echo_answers.clear()
        self._held_released.clear()

    def start(self) -> "FakeEvolution":
        self.base_url = f"http://127.0.0.1:{self._server.start()}"
        return self

    def stop(self) -> None:
        self._released.set()  # wakes planned delays, so shutdown does not wait for them
        self._server.stop()

    def __enter__(self) -> "FakeEvolution":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _app(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        self.requests.append(ReceivedRequest(method=scope["method"], path=scope["path"], headers=headers, body=body))
        query = dict(urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        status, payload = await self._answer(scope["method"], scope["path"], headers, body, query)
        data = json.dumps(payload).encode()
        start = {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        await send(start)
        await send({"type": "http.response.body", "body": data})

    async def _answer(self, method: str, path: str, headers: Mapping[str, str], raw: bytes, query: Mapping[str, str]) -> tuple[int, object]:
        if (method, path) == ("POST", "/instance/create"):
            return self._create_instance(headers, raw)
        route = re.fullmatch(r"/(\w+/\w+)/([^/]+)", path)
        if route is None or ROUTES.get(route.group(1)) != method:
            return 404, error_body(404, "Not Found", [f"Cannot {method} {path}"])
        endpoint, instance = route.groups()
        if instance not in self.instances:
            return 404, error_body(404, "Not Found", [f'The "{instance}" instance does not exist'])
        if headers.get("apikey") not in (self.global_key, self.instances[instance]):
            return 401, error_body(401, "Unauthorized", "Unauthorized")
        try:
            request = json.loads(raw) if raw.strip() else {}  # express.json() leaves an empty body {}
        except ValueError as error:
            # body-parser's SyntaxError carries status 400 but no `error`, hence the odd label.
            return 400, error_body(400, "Internal Server Error", str(error))
        if endpoint == "chat/findMessages":
            return await self._find_messages(request)
        if endpoint == "webhook/set":
            return self._set_webhook(instance, request)
        if endpoint == "instance/connectionState":
            return 200, self._connection_state(instance)
        if endpoint == "instance/connect":
            return 200, self._connect(instance, query.get("number"))
        return await self._send_text(instance, request)

    def _create_instance(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, object]:
        request = json.loads(raw) if raw.strip() else {}
        name = request.get("instanceName") if isinstance(request, dict) else None
        if name in self.instances:
            return 403, error_body(403, "Forbidden", [f'This name "{name}" is already in use.'])
        if headers.get("apikey") != self.global_key:
            return 401, error_body(401, "Unauthorized", "Unauthorized")
        if not isinstance(name, str) or not name:
            return 400, error_body(400, "Bad Request", ['"instanceName" not provided.'])
        if request.get("integration") != "WHATSAPP-BAILEYS":
            return 400, error_body(400, "Bad Request", ["Invalid integration"])
        token = str(uuid.uuid4()).upper()
        self.instances[name] = token
        self.states[name] = "close"
        instance = {"instanceName": name, "instanceId": str(uuid.uuid4()), "integration": "WHATSAPP-BAILEYS", "status": "close"}
        return 201, {"instance": {**instance, "webhookWaBusiness": None, "accessTokenWaBusiness": ""}, "hash": token}

    def _set_webhook(self, instance: str, request: Any) -> tuple[int, object]:
        if problems := _validate_webhook(request):
            return 400, error_body(400, "Bad Request", [problems])
        webhook = request["webhook"]
        events = (webhook.get("events") or list(EVENTS)) if webhook["enabled"] else []
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        row = {
            "id": secrets.token_hex(12),
            "url": webhook["url"],
            "headers": webhook.get("headers"),
            "enabled": webhook["enabled"],
            "events": events,
            "webhookByEvents": webhook.get("byEvents"),
            "webhookBase64": webhook.get("base64"),
            "createdAt": self.webhooks.get(instance, {}).get("createdAt", now),
            "updatedAt": now,
            "instanceId": INSTANCE_ID,
        }
        self.webhooks[instance] = row
        return 201, row

    def _connection_state(self, instance: str) -> dict:
        return {"instance": {"instanceName": instance, "state": self.states.get(instance, "close")}}

    def _connect(self, instance: str, number: str | None) -> dict:
        if self.states.get(instance) == "open":
            return self._connection_state(instance)
        # A closed instance starts connecting (Baileys then emits its first QR code).
        self.states[instance] = "connecting"
        return {
            "pairingCode": secrets.token_hex(4).upper() if number else None,
            "code": "2@" + secrets.token_urlsafe(40),
            "base64": "data:image/png;base64," + base64.b64encode(QR_PNG).decode(),
            "count": 1,
        }

    async def _send_text(self, instance: str, request: Any) -> tuple[int, object]:
        if problems := _validate(request):
            return 400, error_body(400, "Bad Request", [problems])  # nested list, as Evolution does
        if not request["text"].strip():
            return 400, error_body(400, "Bad Request", ["Text is required"])
        reply = self._plan.popleft() if self._plan else sent()
        if not reply.held:
            return await self._answer_send(instance, request, reply)
        self.holding += 1
        try:
            while not (self._held_released.is_set() or self._released.is_set()):
                await asyncio.sleep(0.01)
            return await self._answer_send(instance, request, reply)
        finally:
            self.holding -= 1

    async def _answer_send(self, instance: str, request: Any, reply: Reply) -> tuple[int, object]:
        await self._sleep(reply.delay)
        if reply.body is None:
            # The request's `delay` is "typing" time (ms) Evolution waits through before sending.
            await self._sleep(max(0, request.get("delay") or 0) / 1000)
            message = _sent_message(request, self.accounts.get(request["number"]) or create_jid(request["number"]))
            self.sent.append(message)
            if self.save_messages:
                self._stored.append(_stored_record(message))
            if self._echo is not None:
                await self._post_echo(instance, message, *self._echo)
            return reply.status, message
        return reply.status, reply.body(request) if callable(reply.body) else reply.body

    async def _post_echo(self, instance: str, message: dict, url: str, headers: Mapping[str, str]) -> None:
        body = {**load_fixture("v2-messages-upsert-text"), "event": "send.message", "instance": instance, "data": message}
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.post(url, json=body, headers=dict(headers))
        self.echo_answers.append(response.json())

    async def _find_messages(self, request: Any) -> tuple[int, object]:
        reply = self._lookup_plan.popleft() if self._lookup_plan else Reply(status=200)
        await self._sleep(reply.delay)
        if reply.body is not None:
            return reply.status, reply.body(request) if callable(reply.body) else reply.body
        where = (request.get("where") if isinstance(request, dict) else None) or {}
        key = where.get("key") or {}
        records = [
            r
            for r in reversed(self._stored)
            if all(r["key"].get(field) == key[field] for field in ("id", "remoteJid") if key.get(field))
            and (not key.get("fromMe") or r["key"]["fromMe"] is True)
            and _in_period(r["messageTimestamp"], where.get("messageTimestamp"))
        ]
        records.sort(key=lambda r: r["messageTimestamp"], reverse=True)  # stable: same second, later first
        per_page = request.get("offset") or 50
        page = request.get("page") or 1
        chosen = records[per_page * (page - 1) : per_page * page]
        return 200, {
            "messages": {"total": len(records), "pages": math.ceil(len(records) / per_page), "currentPage": page, "records": chosen}
        }

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._released.is_set():
            await asyncio.sleep(min(0.02, max(0.0, deadline - time.monotonic())))


def _in_period(timestamp: int, period: object) -> bool:
    if not isinstance(period, dict) or not (period.get("gte") and period.get("lte")):
        return True
    bounds = [math.floor(dt.datetime.fromisoformat(period[b]).timestamp()) for b in ("gte", "lte")]
    return bounds[0] <= timestamp <= bounds[1]


def _stored_record(message: dict) -> dict:
    """The Message row fetchMessages selects (id, key, pushName, messageType, message,
    messageTimestamp, instanceId, source, MessageUpdate)."""
    fields = ("key", "pushName", "messageType", "message", "messageTimestamp", "instanceId", "source")
    return {"id": secrets.token_hex(12), **{f: message[f] for f in fields}, "MessageUpdate": []}


def _validate(request: object) -> list[str]:
    # Messages as jsonschema's `stack` after Evolution strips "instance." (abstract.router.ts);
    # `number` has a description, which replaces its message.
    if not isinstance(request, dict):
        return ["instance is not of a type(s) object"]
    problems = [f'instance requires property "{name}"' for name in ("number", "text") if name not in request]
    if "number" in request and not isinstance(request["number"], str):
        problems.append("Invalid format")
    if "text" in request and not isinstance(request["text"], str):
        problems.append("text is not of a type(s) string")
    if "delay" in request and (isinstance(request["delay"], bool) or not isinstance(request["delay"], int)):
        problems.append("delay is not of a type(s) integer")
    return problems


def _validate_webhook(request: object) -> list[str]:
    # webhookSchema: `webhook` with `enabled` and `url` (not empty), typed fields, known events.
    webhook = request.get("webhook") if isinstance(request, dict) else None
    if not isinstance(webhook, dict):
        return ['instance requires property "webhook"' if webhook is None else "webhook is not of a type(s) object"]
    problems = [f'webhook requires property "{name}"' for name in ("enabled", "url") if name not in webhook]
    types = {"enabled": bool, "url": str, "headers": dict, "byEvents": bool, "base64": bool, "events": list}
    names = {bool: "boolean", str: "string", dict: "object", list: "array"}
    problems += [f"webhook.{k} is not of a type(s) {names[t]}" for k, t in types.items() if k in webhook and not isinstance(webhook[k], t)]
    if webhook.get("url") == "":
        problems.append('The "url" cannot be empty')
    events = webhook.get("events")
    for i, event in enumerate(events if isinstance(events, list) else []):
        if event not in EVENTS:
            problems.append(f"webhook.events[{i}] is not one of enum values: {','.join(EVENTS)}")
    return problems


def _sent_message(request: dict, jid: str) -> dict:
    """prepareMessage() of what Baileys returns for `{text, contextInfo}` sent to `jid`: the
    extendedTextMessage is flattened into `conversation`; ids like Baileys' generateMessageIDV2."""
    now = int(time.time())
    message_id = "3EB0" + secrets.token_hex(9).upper()
    return {
        "key": {"remoteJid": jid, "fromMe": True, "id": message_id},
        "pushName": "Você",
        "status": "PENDING",
        "message": {"conversation": request["text"]},
        "contextInfo": {
            "mentionedJid": [],
            "groupMentions": [],
            "ephemeralSettingTimestamp": {"low": now - 172800, "high": 0, "unsigned": False},
            "disappearingMode": {"initiator": 0},
        },
        "messageType": "conversation",
        "messageTimestamp": now,
        "instanceId": INSTANCE_ID,
        "source": "web",  # Baileys getDevice(): "3E" + 20 characters
    }


def create_jid(number: str) -> str:
    """src/utils/createJid.ts for one-to-one chats (its Mexican/Argentine rules left out), with
    the Brazilian one: a 13-digit 55 number loses its ninth digit when the DDD is 31 or more
    and the next digit is 7-9, since those accounts predate the ninth digit."""
    number = re.sub(r":\d+", "", number)
    if any(server in number for server in ("@g.us", "@s.whatsapp.net", "@lid", "@broadcast")):
        return number
    digits = re.sub(r"[^0-9]", "", number.split("@")[0])
    brazilian = re.fullmatch(r"(55)(\d{2})\d(\d{8})", digits)
    if brazilian and int(brazilian.group(2)) >= 31 and int(brazilian.group(3)[0]) >= 7:
        digits = "".join(brazilian.groups())
    return f"{digits}@s.whatsapp.net"


def load_fixture(name: str) -> dict:
    """A webhook body from tests/fixtures/evolution, e.g. `load_fixture("v2-messages-upsert-text")`."""
    return json.loads((FIXTURES / f"{name.removesuffix('.json')}.json").read_text(encoding="utf-8"))


def webhook_url(url: str, event: str, *, by_events: bool) -> str:
    # webhook.controller.ts: with webhookByEvents the event becomes a path segment,
    # `messages.upsert` -> `/messages-upsert` (a URL ending in "/" gets a double slash).
    return f"{url}/{re.sub(r'[._]', '-', event).lower()}" if by_events else url


async def post_webhook(url: str, body: Mapping, *, by_events: bool = False, timeout: float = 5.0) -> httpx.Response:
    """POSTs one webhook body as Evolution does (JSON, no auth headers on the global webhook)."""
    async with httpx.AsyncClient(timeout=timeout) as client:
        return await client.post(webhook_url(url, str(body.get("event", "")), by_events=by_events), json=body)
