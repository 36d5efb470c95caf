import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.evolution.events import (
    LID_MAX,
    ConnectionUpdate,
    DeliveryStatus,
    DeliveryUpdate,
    Ignored,
    InboundMedia,
    InboundText,
    OwnMessage,
)
from adapters.evolution.parsing import MAX_DEPTH, MalformedWebhook, parse_body, parse_webhook
from domain.channel import CHANNEL_NAME_MAX, CONNECTION_STATE_MAX
from domain.message import MESSAGE_ID_MAX

FIXTURES = Path(__file__).parents[1] / "fixtures" / "evolution"
FIXTURE_NAMES = sorted(path.name for path in FIXTURES.glob("*.json"))


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_the_fixtures_are_there():
    assert len(FIXTURE_NAMES) >= 8


def at(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


EXPECTED = {
    "v1-messages-upsert-extended-text.json": InboundText(
        instance="cs-bot", message_id="3A0D9E8F7A6B5C4D3E2F", phone="5511999990003", lid=None,
        text="Sim, pode ser às 15h", timestamp=at(1717604327), push_name="Ana Souza",
    ),
    "v2-connection-update-open.json": ConnectionUpdate(instance="cs-bot", state="open", status_reason=200),
    "v2-messages-update-ack.json": DeliveryUpdate(
        instance="cs-bot", message_id="3EB0C5A2F1D4E6B7A8C9D0", status=DeliveryStatus.READ, from_me=True
    ),
    "v2-messages-upsert-audio.json": InboundMedia(
        instance="cs-bot", message_id="0810204B0D16C5AED7C320D93DC09180", phone="5511999990001",
        lid="111111111111111@lid", kind="audio", timestamp=at(1763651700), push_name="Maria Cliente",
    ),
    "v2-messages-upsert-fromme-phone.json": OwnMessage(
        instance="cs-bot", message_id="4DA1D8D1B5B0139AC8C44B44B8CF5A93", phone="5511999990001", lid=None,
        text="Oi Maria, aqui é o Carlos da loja. Vou verificar seu pedido pessoalmente.",
        timestamp=at(1763651100), from_api=False,
    ),
    "v2-messages-upsert-group.json": Ignored(instance="cs-bot", reason="group chat"),
    "v2-messages-upsert-lid.json": InboundText(
        instance="cs-bot", message_id="3AE1F2A3B4C5D6E7F809", phone="5511999990004", lid="333333333333333@lid",
        text="Vi o anúncio no Instagram, ainda tem o produto?", timestamp=at(1763652000), push_name="Pedro Lima",
    ),
    "v2-messages-upsert-text.json": InboundText(
        instance="cs-bot", message_id="3A5F1C2B9D7E4A6C8B01", phone="5511999990001", lid="111111111111111@lid",
        text="Oi, boa tarde! Qual o prazo de entrega do meu pedido 4521?", timestamp=at(1763650800),
        push_name="Maria Cliente",
    ),
}  # fmt: skip


class TestFixtures:
    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_parses_to_the_expected_event(self, name):
        assert parse_webhook(fixture(name)) == EXPECTED[name]

    def test_every_fixture_has_an_expectation(self):
        assert set(FIXTURE_NAMES) <= set(EXPECTED), "a new fixture needs an entry in EXPECTED"

    def test_the_envelope_date_time_is_not_used(self):
        # date_time is the server's wall clock with a misleading "Z"; messageTimestamp is the truth.
        body = fixture("v2-messages-upsert-text.json")
        body["date_time"] = "1999-01-01T00:00:00.000Z"
        assert parse_webhook(body).timestamp == at(1763650800)


def upsert(key: dict | None = None, message: object = None, **data) -> dict:
    """A v2.3.x messages.upsert body, shaped like v2-messages-upsert-text.json."""
    body = {
        "event": "messages.upsert",
        "instance": "cs-bot",
        "data": {
            "key": {"remoteJid": "5511999990001@s.whatsapp.net", "fromMe": False, "id": "3A5F1C2B9D7E4A6C8B01"} | (key or {}),
            "pushName": "Maria Cliente",
            "status": "DELIVERY_ACK",
            "message": message if message is not None else {"conversation": "oi"},
            "messageType": "conversation",
            "messageTimestamp": 1763650800,
            "instanceId": "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b",
            "source": "ios",
        }
        | data,
        "destination": "https://bot.example.test/webhooks/evolution",
        "date_time": "2025-11-20T12:00:01.204Z",
        "sender": "5511999990000@s.whatsapp.net",
        "server_url": "https://evolution.example.test",
        "apikey": None,
    }
    return body


class TestText:
    @pytest.mark.parametrize(
        "message, message_type",
        [
            ({"conversation": "quanto custa?"}, "conversation"),
            ({"extendedTextMessage": {"text": "quanto custa?", "contextInfo": {}}}, "extendedTextMessage"),
            ({"imageMessage": {"caption": "quanto custa?", "mimetype": "image/jpeg"}}, "imageMessage"),
            ({"videoMessage": {"caption": "quanto custa?"}}, "videoMessage"),
            ({"documentMessage": {"caption": "quanto custa?", "fileName": "tabela.pdf"}}, "documentMessage"),
            (  # v1 and v2 before 2.1.2 do not flatten documentWithCaptionMessage
                {"documentWithCaptionMessage": {"message": {"documentMessage": {"caption": "quanto custa?"}}}},
                "documentWithCaptionMessage",
            ),
            ({"ephemeralMessage": {"message": {"extendedTextMessage": {"text": "quanto custa?"}}}}, "ephemeralMessage"),
        ],
    )
    def test_reads_text_and_captions(self, message, message_type):
        event = parse_webhook(upsert(message=message, messageType=message_type))
        assert isinstance(event, InboundText)
        assert event.text == "quanto custa?"

    def test_a_missing_push_name_is_none(self):
        assert parse_webhook(upsert(pushName=None)).push_name is None
        assert parse_webhook(upsert(pushName="  ")).push_name is None

    def test_empty_text_is_ignored(self):
        assert isinstance(parse_webhook(upsert(message={"conversation": "  "})), Ignored)


class TestSender:
    def test_a_lid_without_a_phone_number_keeps_the_lid(self):
        # issue #1872: remoteJid is the @lid and nothing names the phone number.
        event = parse_webhook(upsert(key={"remoteJid": "333333333333333@lid", "addressingMode": "lid"}))
        assert (event.phone, event.lid) == ("333333333333333", "333333333333333@lid")
        assert event.address == "333333333333333@lid"

    def test_sender_pn_names_the_phone(self):
        # 2.3.0-2.3.3 (Baileys 6.7): the key carries senderPn / senderLid.
        key = {"remoteJid": "333333333333333@lid", "senderPn": "5511999990004@s.whatsapp.net"}
        event = parse_webhook(upsert(key=key))
        assert (event.phone, event.lid, event.address) == ("5511999990004", "333333333333333@lid", "5511999990004")

    def test_sender_lid_is_the_alias(self):
        event = parse_webhook(upsert(key={"senderLid": "333333333333333@lid"}))
        assert (event.phone, event.lid) == ("5511999990001", "333333333333333@lid")

    def test_swapped_key_of_2_4(self):
        key = {"remoteJid": "5511999990004@s.whatsapp.net", "remoteJidAlt": "333333333333333@lid"}
        event = parse_webhook(upsert(key=key))
        assert (event.phone, event.lid) == ("5511999990004", "333333333333333@lid")

    def test_copied_alt_of_2_3_7(self):
        key = {"remoteJid": "5511999990004@s.whatsapp.net", "remoteJidAlt": "5511999990004@s.whatsapp.net"}
        assert parse_webhook(upsert(key=key)).phone == "5511999990004"

    def test_device_suffixes_are_dropped(self):
        key = {"remoteJid": "55555:12@lid", "remoteJidAlt": "5511999990001:7@s.whatsapp.net"}
        event = parse_webhook(upsert(key=key))
        assert (event.phone, event.lid) == ("5511999990001", "55555@lid")

    def test_a_key_without_digits_is_malformed(self):
        with pytest.raises(MalformedWebhook, match="phone"):
            parse_webhook(upsert(key={"remoteJid": "@s.whatsapp.net"}))


class TestMedia:
    @pytest.mark.parametrize(
        "message_type, kind",
        [
            ("audioMessage", "audio"),
            ("imageMessage", "image"),
            ("videoMessage", "video"),
            ("ptvMessage", "video"),
            ("documentMessage", "document"),
            ("stickerMessage", "sticker"),
            ("locationMessage", "location"),
            ("contactMessage", "contact"),
            ("pollCreationMessageV3", "poll"),
            ("someFutureMessage", "other"),
        ],
    )
    def test_media_without_text_has_a_kind(self, message_type, kind):
        message = {message_type: {"mimetype": "x/y"}, "messageContextInfo": {}}
        event = parse_webhook(upsert(message=message, messageType=message_type))
        assert isinstance(event, InboundMedia)
        assert event.kind == kind

    def test_kind_comes_from_the_content_when_message_type_is_missing(self):
        body = upsert(message={"stickerMessage": {}})
        del body["data"]["messageType"]
        assert parse_webhook(body).kind == "sticker"

    def test_document_with_caption_message_without_caption(self):
        message = {"documentWithCaptionMessage": {"message": {"documentMessage": {"fileName": "a.pdf"}}}}
        assert parse_webhook(upsert(message=message, messageType="documentWithCaptionMessage")).kind == "document"


class TestOwnMessages:
    def test_send_message_is_an_echo_of_an_api_send(self):
        # sendMessageWithTyping() posts prepareMessage()'s body as send.message.
        body = upsert(key={"fromMe": True, "id": "3EB0C5A2F1D4E6B7A8C9D0"}, pushName="Você", status="PENDING")
        body["event"] = "send.message"
        event = parse_webhook(body)
        assert event == OwnMessage(
            instance="cs-bot", message_id="3EB0C5A2F1D4E6B7A8C9D0", phone="5511999990001", lid=None,
            text="oi", timestamp=at(1763650800), from_api=True,
        )  # fmt: skip

    def test_media_typed_on_the_phone_has_no_text(self):
        event = parse_webhook(upsert(key={"fromMe": True}, message={"imageMessage": {}}, messageType="imageMessage"))
        assert event == OwnMessage(
            instance="cs-bot", message_id="3A5F1C2B9D7E4A6C8B01", phone="5511999990001", lid=None,
            text=None, timestamp=at(1763650800), from_api=False,
        )  # fmt: skip

    def test_own_message_to_a_lid(self):
        body = upsert(key={"fromMe": True, "remoteJid": "132985256960177@lid"})
        body["event"] = "SEND_MESSAGE"
        event = parse_webhook(body)
        assert (event.phone, event.lid, event.address, event.from_api) == (
            "132985256960177",
            "132985256960177@lid",
            "132985256960177@lid",
            True,
        )


class TestEventNames:
    @pytest.mark.parametrize("name", ["MESSAGES_UPSERT", "messages.upsert", "Messages_Upsert", "messages-upsert"])
    def test_upsert_spellings(self, name):
        assert isinstance(parse_webhook(upsert() | {"event": name}), InboundText)

    def test_upper_case_update_and_connection(self):
        update = {"event": "MESSAGES_UPDATE", "instance": "i", "data": {"keyId": "A", "status": "DELIVERY_ACK"}}
        assert parse_webhook(update) == DeliveryUpdate(instance="i", message_id="A", status=DeliveryStatus.DELIVERY_ACK)
        connection = {"event": "CONNECTION_UPDATE", "instance": "i", "data": {"instance": "i", "state": "connecting"}}
        assert parse_webhook(connection) == ConnectionUpdate(instance="i", state="connecting", status_reason=None)


class TestTimestamps:
    @pytest.mark.parametrize(
        "value",
        [1763650800, "1763650800", 1763650800.0, {"low": 1763650800, "high": 0, "unsigned": False}],
    )
    def test_epoch_seconds_in_every_encoding(self, value):
        assert parse_webhook(upsert(messageTimestamp=value)).timestamp == at(1763650800)

    def test_long_with_a_negative_low_word(self):
        # long.js keeps `low` as a signed 32-bit int: 3_000_000_000 has low -1_294_967_296.
        value = {"low": 3_000_000_000 - 2**32, "high": 0, "unsigned": True}
        assert parse_webhook(upsert(messageTimestamp=value)).timestamp == at(3_000_000_000)

    @pytest.mark.parametrize("value", [None, True, "ontem", -5, 0, 10**20, 1.5, {"low": 1}, [1763650800]])
    def test_anything_else_is_malformed(self, value):
        with pytest.raises(MalformedWebhook, match="messageTimestamp"):
            parse_webhook(upsert(messageTimestamp=value))


class TestIgnored:
    @pytest.mark.parametrize(
        "jid, reason",
        [
            ("status@broadcast", "status or broadcast list"),
            ("1234567890@broadcast", "status or broadcast list"),
            ("120363000000000002@newsletter", "channel (newsletter)"),
            ("120363000000000001@g.us", "group chat"),
        ],
    )
    def test_chats_that_are_not_one_to_one(self, jid, reason):
        assert parse_webhook(upsert(key={"remoteJid": jid})) == Ignored(instance="cs-bot", reason=reason)

    @pytest.mark.parametrize(
        "message_type, content",
        [
            ("reactionMessage", {"reactionMessage": {"text": "👍", "key": {"id": "X"}}}),
            ("protocolMessage", {"protocolMessage": {"type": 0, "key": {"id": "X"}}}),
            ("pollUpdateMessage", {"pollUpdateMessage": {"vote": {}}}),
            ("editedMessage", {"editedMessage": {"message": {"protocolMessage": {}}}}),
        ],
    )
    def test_messages_that_are_not_content(self, message_type, content):
        event = parse_webhook(upsert(message=content, messageType=message_type))
        assert isinstance(event, Ignored)

    @pytest.mark.parametrize("name", ["messages.edited", "qrcode.updated", "messages.delete", "contacts.update"])
    def test_other_events(self, name):
        assert parse_webhook({"event": name, "instance": "cs-bot", "data": [1, 2]}) == Ignored(
            instance="cs-bot", reason=f"event {name!r} is not handled"
        )


class TestDeliveryUpdates:
    def test_v1_spreads_the_key(self):
        data = {"remoteJid": "5511999990001@s.whatsapp.net", "fromMe": True, "id": "BAE5", "status": "DELIVERY_ACK",
                "datetime": 1717604327000, "owner": "cs-bot"}  # fmt: skip
        event = parse_webhook({"event": "messages.update", "instance": "cs-bot", "data": data})
        assert event == DeliveryUpdate(instance="cs-bot", message_id="BAE5", status="DELIVERY_ACK", from_me=True)

    @pytest.mark.parametrize("status", [s.value for s in DeliveryStatus])
    def test_every_status(self, status):
        event = parse_webhook({"event": "messages.update", "instance": "i", "data": {"keyId": "A", "status": status}})
        assert event.status == status

    @pytest.mark.parametrize(
        "data",
        [
            {"keyId": "A", "status": "READ", "pollUpdates": [{"name": "sim", "voters": []}]},
            {"id": "A", "fromMe": True},  # v1 update without a status
            {"keyId": "A", "status": "EDITED"},
            {"keyId": "A", "status": "READ", "remoteJid": "120363000000000001@g.us"},
        ],
    )
    def test_updates_that_are_not_deliveries(self, data):
        assert isinstance(parse_webhook({"event": "messages.update", "instance": "i", "data": data}), Ignored)

    def test_device_suffix_in_remote_jid_does_not_matter(self):
        data = {"keyId": "A", "status": "READ", "remoteJid": "5511999990001:3@s.whatsapp.net"}
        assert parse_webhook({"event": "messages.update", "instance": "i", "data": data}).message_id == "A"


class TestConnection:
    def test_logged_out(self):
        body = {"event": "connection.update", "instance": "cs-bot",
                "data": {"instance": "cs-bot", "state": "close", "statusReason": 401}}  # fmt: skip
        assert parse_webhook(body) == ConnectionUpdate(instance="cs-bot", state="close", status_reason=401)

    def test_a_non_integer_reason_is_malformed(self):
        body = {"event": "connection.update", "instance": "i", "data": {"state": "close", "statusReason": "401"}}
        with pytest.raises(MalformedWebhook, match="statusReason"):
            parse_webhook(body)


class TestMalformed:
    @pytest.mark.parametrize(
        "body, field",
        [
            ([], "body"),
            ("messages.upsert", "body"),
            (None, "body"),
            ({"instance": "i", "data": {}}, "event"),
            ({"event": "messages.upsert", "data": {}}, "instance"),
            ({"event": 3, "instance": "i"}, "event"),
            ({"event": "messages.upsert", "instance": "i"}, "data"),
            ({"event": "messages.upsert", "instance": "i", "data": []}, "data"),
            (upsert(key={"id": None}), "data.key.id"),
            (upsert(key={"fromMe": "false"}), "fromMe"),
            (upsert(key={"remoteJidAlt": 5511}), "remoteJidAlt"),
            (upsert(message="oi"), "data.message"),
            ({"event": "messages.update", "instance": "i", "data": {"status": "READ"}}, "keyId"),
            ({"event": "messages.update", "instance": "i", "data": {"keyId": "A", "status": 3}}, "status"),
            ({"event": "connection.update", "instance": "i", "data": {}}, "state"),
        ],
    )
    def test_names_the_bad_field(self, body, field):
        with pytest.raises(MalformedWebhook, match=field):
            parse_webhook(body)


# --- properties: nothing but an event or MalformedWebhook comes out ---------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
event_names = st.sampled_from(["messages.upsert", "MESSAGES_UPSERT", "send.message", "messages.update", "connection.update", "call"])
known_fields = st.sampled_from(
    ["key", "message", "messageType", "messageTimestamp", "pushName", "keyId", "id", "status", "state",
     "statusReason", "pollUpdates", "remoteJid", "remoteJidAlt", "senderPn", "fromMe", "conversation"]
)  # fmt: skip
# Data whose field names Evolution uses, nested, so that the random values reach the parser's depths.
known_shapes = st.recursive(json_values, lambda children: st.dictionaries(known_fields, children, max_size=6), max_leaves=30)
envelopes = st.fixed_dictionaries({"event": event_names, "instance": st.just("cs-bot"), "data": known_shapes})


def storable(name: str, max_length: int) -> bool:
    return 0 < len(name) <= max_length and "\x00" not in name and not any("\ud800" <= c <= "\udfff" for c in name)


def parses_or_is_malformed(body: object, parse=parse_webhook) -> None:
    try:
        event = parse(body)
    except MalformedWebhook as error:
        assert str(error)
        return
    # Whatever is parsed fits the columns it is stored in or looked up by.
    assert storable(event.instance, CHANNEL_NAME_MAX)
    if hasattr(event, "message_id"):
        assert storable(event.message_id, MESSAGE_ID_MAX)
    if isinstance(event, ConnectionUpdate):
        assert storable(event.state, CONNECTION_STATE_MAX)
    if getattr(event, "lid", None) is not None:
        assert len(event.lid) <= LID_MAX and event.lid[: -len("@lid")].isdigit()
    if isinstance(event, InboundText | InboundMedia | OwnMessage):
        assert event.message_id.strip() and event.phone.isdigit() and event.phone.isascii()
        assert event.timestamp.tzinfo is not None
        assert event.lid is None or event.lid.endswith("@lid")
    if isinstance(event, InboundText):
        assert event.text.strip()


@given(json_values)
def test_any_json_value(body):
    parses_or_is_malformed(body)


@given(envelopes)
def test_any_envelope(body):
    parses_or_is_malformed(body)


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to a dict entry or list item inside `value`."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


@st.composite
def mutated_fixtures(draw):
    body = copy.deepcopy(fixture(draw(st.sampled_from(FIXTURE_NAMES))))
    for _ in range(draw(st.integers(1, 3))):
        where = paths(body)
        if not where:
            break
        *parent_path, last = draw(st.sampled_from(where))
        parent = body
        for step in parent_path:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[last]
        else:
            parent[last] = draw(json_values)
    return body


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixtures())
def test_mutated_fixtures(body):
    parses_or_is_malformed(body)


@given(st.sampled_from(FIXTURE_NAMES or ["-"]), st.data())
def test_fixtures_without_one_key(name, data):
    body = fixture(name)
    where = [path for path in paths(body) if len(path) <= 3]
    *parent_path, last = data.draw(st.sampled_from(where))
    parent = body
    for step in parent_path:
        parent = parent[step]
    del parent[last]
    parses_or_is_malformed(body)


# Any character, unpaired surrogates and NUL included, at lengths around the columns' limits.
any_text = st.text(st.characters(codec=None, categories=None), max_size=3) | st.text(min_size=30, max_size=140)
lids = st.integers(0, 10**80).map(lambda n: f"{n}@lid") | any_text.map(lambda t: f"{t}@lid")
keys = st.fixed_dictionaries(
    {"id": any_text, "remoteJid": st.sampled_from(["5511999990001@s.whatsapp.net"]) | lids, "fromMe": st.booleans()},
    optional={"remoteJidAlt": lids | st.just("5511999990002@s.whatsapp.net"), "senderLid": lids},
)
edge_envelopes = st.fixed_dictionaries(
    {
        "event": event_names,
        "instance": st.just("cs-bot") | any_text,
        "data": st.fixed_dictionaries(
            {"key": keys, "message": st.fixed_dictionaries({"conversation": any_text}), "messageTimestamp": st.just(1763652000)},
            optional={"keyId": any_text, "status": st.just("READ"), "state": any_text},
        ),
    }
)


@settings(max_examples=300)
@given(edge_envelopes)
def test_names_ids_and_lids_at_the_edges(body):
    parses_or_is_malformed(body)


def nested(body: object, depth: int) -> object:
    for _ in range(depth):
        body = {"data": body}
    return body


@given(st.one_of(json_values, envelopes, edge_envelopes), st.integers(0, 2 * MAX_DEPTH), st.booleans())
def test_any_body_as_bytes(body, depth, raw_escapes):
    raw = json.dumps(nested(body, depth), ensure_ascii=raw_escapes).encode("utf-8", "surrogatepass")
    parses_or_is_malformed(raw, parse=parse_body)


@pytest.mark.parametrize("raw", [b"[" * 1_000 + b"]" * 1_000, b"[" * 100_000, b'{"a": ' * 65 + b"1" + b"}" * 65, b"\xff{", b""])
def test_bodies_too_deep_or_not_json_are_malformed(raw):
    with pytest.raises(MalformedWebhook):
        parse_body(raw)


def test_a_body_at_the_deepest_level_allowed_is_parsed():
    body = fixture("v2-messages-upsert-text.json")
    body["data"]["message"]["messageContextInfo"] = nested({}, MAX_DEPTH - 4)
    assert isinstance(parse_body(json.dumps(body).encode()), InboundText)
