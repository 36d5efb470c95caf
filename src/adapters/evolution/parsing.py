"""Evolution API webhook bodies (v1.8 and v2.x, Baileys channel) turned into events.

Pure translation, no I/O. The envelope, the message key and the timestamp are checked strictly
(`MalformedWebhook` names the bad field); the WhatsApp message content inside `data.message` is
read leniently, because its protobuf-JSON shape changes between Evolution and Baileys versions.
The sample bodies and the upstream files each rule comes from are in
`tests/fixtures/evolution/README.md`.
"""

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from adapters.evolution.events import (
    LID_MAX,
    ConnectionUpdate,
    DeliveryStatus,
    DeliveryUpdate,
    Ignored,
    InboundMedia,
    InboundText,
    OwnMessage,
    WebhookEvent,
    jid_digits,
    jid_user,
)
from domain.channel import CHANNEL_NAME_MAX, CONNECTION_STATE_MAX
from domain.message import MESSAGE_ID_MAX

# Evolution's deepest bodies (a quoted message inside a context info inside the message) nest about
# fifteen levels; nothing Tatame reads is deeper, and a deeper body is no webhook event.
MAX_DEPTH = 64


class MalformedWebhook(Exception):
    """The body is not an Evolution webhook event; the message says which field is wrong."""


def parse_body(raw: bytes) -> WebhookEvent:
    """Translates one webhook body as it came over HTTP. Raises `MalformedWebhook`, and nothing else."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        # RecursionError: the decoder itself gives up near a thousand levels.
        raise MalformedWebhook(f"the body is not JSON ({type(error).__name__}: {error})") from error
    if _deeper_than(body, MAX_DEPTH):
        raise MalformedWebhook(f"the body nests deeper than {MAX_DEPTH} levels")
    return parse_webhook(body)


def _deeper_than(value: object, limit: int) -> bool:
    # Level by level rather than recursively: the check must not fail on what it is checking.
    depth, level = 0, [value]
    while containers := [node for node in level if isinstance(node, (dict, list))]:
        depth += 1
        if depth > limit:
            return True
        level = [child for node in containers for child in (node.values() if isinstance(node, dict) else node)]
    return False


def parse_webhook(body: object) -> WebhookEvent:
    """Translates one decoded JSON webhook body. Raises `MalformedWebhook`, and nothing else."""
    envelope = _object(body, "the body")
    instance = _key(envelope, "instance", "body", CHANNEL_NAME_MAX)
    # The body says `messages.upsert`; configuration and some proxies say `MESSAGES_UPSERT`.
    event = _text(envelope, "event", "body").strip().lower().replace("_", ".").replace("-", ".")
    if event == "messages.upsert":
        return _message(instance, _object(envelope.get("data"), "data"), from_api=False)
    if event == "send.message":
        return _message(instance, _object(envelope.get("data"), "data"), from_api=True)
    if event == "messages.update":
        return _delivery(instance, _object(envelope.get("data"), "data"))
    if event == "connection.update":
        return _connection(instance, _object(envelope.get("data"), "data"))
    return Ignored(instance=instance, reason=f"event {event!r} is not handled")


def _message(instance: str, data: Mapping, *, from_api: bool) -> WebhookEvent:
    key = _object(data.get("key"), "data.key")
    message_id = _key(key, "id", "data.key", MESSAGE_ID_MAX)
    remote_jid = _text(key, "remoteJid", "data.key")
    from_me = key.get("fromMe")
    if not isinstance(from_me, bool):
        raise MalformedWebhook(f"data.key.fromMe must be true or false, got {from_me!r}")
    if (reason := _ignored_chat(remote_jid)) is not None:
        return Ignored(instance=instance, reason=reason)
    content = _unwrap(_object(data.get("message"), "data.message"))
    message_type = data.get("messageType") if isinstance(data.get("messageType"), str) else None
    if (reason := _ignored_content(content, message_type)) is not None:
        return Ignored(instance=instance, reason=reason)
    timestamp = _timestamp(data.get("messageTimestamp"))
    phone, lid = _sender(key, remote_jid)
    common: dict[str, Any] = {"instance": instance, "message_id": message_id, "phone": phone, "lid": lid, "timestamp": timestamp}
    text = _text_of(content)
    if from_me or from_api:
        return OwnMessage(**common, text=text, from_api=from_api)
    push_name = data.get("pushName")
    push_name = (push_name.strip() or None) if isinstance(push_name, str) else None
    if text is not None:
        return InboundText(**common, text=text, push_name=push_name)
    kind = _kind(content, message_type)
    if kind is None:
        return Ignored(instance=instance, reason="message without text or media")
    return InboundMedia(**common, kind=kind, push_name=push_name)


def _delivery(instance: str, data: Mapping) -> WebhookEvent:
    # v2 (messages.update handler, 2.3.x): {keyId, remoteJid, fromMe, participant, status, ...};
    # v1.8 spreads the key instead: {remoteJid, fromMe, id, status, datetime, owner, pollUpdates}.
    if "keyId" not in data and "id" not in data:
        raise MalformedWebhook("data.keyId (v2) or data.id (v1) is missing")
    message_id = _key(data, "keyId" if "keyId" in data else "id", "data", MESSAGE_ID_MAX)
    remote_jid = data.get("remoteJid")
    if isinstance(remote_jid, str) and (reason := _ignored_chat(remote_jid)) is not None:
        return Ignored(instance=instance, reason=reason)
    if data.get("pollUpdates") is not None:
        return Ignored(instance=instance, reason="poll vote")
    status = data.get("status")
    if status is None:  # v1 forwards updates that carry no status (e.g. an edit)
        return Ignored(instance=instance, reason="message update without a status")
    if not isinstance(status, str):
        raise MalformedWebhook(f"data.status must be a string, got {status!r}")
    if status not in DeliveryStatus.__members__:
        return Ignored(instance=instance, reason=f"unknown delivery status {status!r}")
    from_me = data.get("fromMe") if isinstance(data.get("fromMe"), bool) else None
    return DeliveryUpdate(instance=instance, message_id=message_id, status=DeliveryStatus(status), from_me=from_me)


def _connection(instance: str, data: Mapping) -> ConnectionUpdate:
    # connectionUpdate() in whatsapp.baileys.service.ts: {instance, state, statusReason, wuid?, ...}
    state = _key(data, "state", "data", CONNECTION_STATE_MAX)
    reason = data.get("statusReason")
    if reason is not None and (isinstance(reason, bool) or not isinstance(reason, int)):
        raise MalformedWebhook(f"data.statusReason must be an integer, got {reason!r}")
    return ConnectionUpdate(instance=instance, state=state, status_reason=reason)


def _ignored_chat(jid: str) -> str | None:
    # Tatame talks to people one to one; Baileys' shouldIgnoreJid drops @newsletter, and
    # status@broadcast or broadcast lists are never a conversation.
    if jid.endswith("@g.us"):
        return "group chat"
    if jid.endswith("@broadcast"):
        return "status or broadcast list"
    if jid.endswith("@newsletter"):
        return "channel (newsletter)"
    return None


_IGNORED_CONTENT = {
    "protocolMessage": "protocol message (revoke, edit, ephemeral setting)",
    "editedMessage": "edit",
    "reactionMessage": "reaction",
    "encReactionMessage": "reaction",
    "pollUpdateMessage": "poll vote",
}
# Keys beside the content that are not content: see prepareMessage() and the README notes.
_NOT_CONTENT = {"messageContextInfo", "senderKeyDistributionMessage", "base64", "mediaUrl", "speechToText"}
# Containers whose `message` holds the real content. 2.1.2+ flattens documentWithCaptionMessage
# (prepareMessage), v1 does not.
_WRAPPERS = (
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "documentWithCaptionMessage",
)
_KINDS = {
    "audioMessage": "audio",
    "imageMessage": "image",
    "videoMessage": "video",
    "ptvMessage": "video",
    "documentMessage": "document",
    "documentWithCaptionMessage": "document",
    "stickerMessage": "sticker",
    "locationMessage": "location",
    "liveLocationMessage": "location",
    "contactMessage": "contact",
    "contactsArrayMessage": "contact",
    "pollCreationMessage": "poll",
    "pollCreationMessageV2": "poll",
    "pollCreationMessageV3": "poll",
}
_TEXT_TYPES = {"conversation", "extendedTextMessage"}


def _unwrap(content: Mapping) -> Mapping:
    for _ in range(3):  # bounded: wrappers nest at most twice in practice
        inner = next((content[w] for w in _WRAPPERS if isinstance(content.get(w), Mapping)), None)
        if inner is None or not isinstance(inner.get("message"), Mapping):
            return content
        content = inner["message"]
    return content


def _ignored_content(content: Mapping, message_type: str | None) -> str | None:
    for name in (message_type, *content):
        if name in _IGNORED_CONTENT:
            return _IGNORED_CONTENT[name]
    return None


def _text_of(content: Mapping) -> str | None:
    candidates = [content.get("conversation")]
    for holder, field in (
        ("extendedTextMessage", "text"),
        ("imageMessage", "caption"),
        ("videoMessage", "caption"),
        ("documentMessage", "caption"),
    ):
        if isinstance(content.get(holder), Mapping):
            candidates.append(content[holder].get(field))
    return next((c for c in candidates if isinstance(c, str) and c.strip()), None)


def _kind(content: Mapping, message_type: str | None) -> str | None:
    names = [message_type, *(name for name in content if name not in _NOT_CONTENT)]
    kind = next((_KINDS[name] for name in names if name in _KINDS), None)
    if kind is not None:
        return kind
    if all(name is None or name in _TEXT_TYPES or name == "unknown" for name in names):
        return None  # empty text, or nothing at all
    return "other"


def _sender(key: Mapping, remote_jid: str) -> tuple[str, str | None]:
    # LID notes in the README: 2.3.0-2.3.3 put the phone in senderPn; 2.3.6 passes Baileys' key
    # through (remoteJid may be @lid, remoteJidAlt the phone); 2.3.7 copies remoteJidAlt over an
    # @lid remoteJid; 2.4.0-rc swaps the two. Sometimes there is no phone at all (#1872).
    alt = _optional_text(key, "remoteJidAlt")
    sender_pn = _optional_text(key, "senderPn")
    if alt is not None and alt.endswith("@s.whatsapp.net"):
        source = alt
    elif sender_pn:
        source = sender_pn
    else:
        source = remote_jid
    phone = jid_digits(source)
    if not phone:
        raise MalformedWebhook(f"no phone number in data.key ({source!r})")
    aliases = (remote_jid, alt, _optional_text(key, "senderLid"))
    lid = next((f"{jid_user(jid)}@lid" for jid in aliases if jid and jid.endswith("@lid")), None)
    # An alias is only a second address; one that is no LID is dropped, the message is kept.
    if lid is not None and not (len(lid) <= LID_MAX and re.fullmatch(r"[0-9]+@lid", lid)):
        lid = None
    return phone, lid


# datetime's own range ends in year 9999; a bigger number is not a WhatsApp timestamp.
_LATEST_EPOCH = 253_402_300_799


def _timestamp(value: object) -> dt.datetime:
    """Epoch seconds as a number, a digit string (v1 and protobuf toJSON) or a long.js Long
    `{low, high, unsigned}` (deserializeMessageBuffers, 2.3.6+)."""
    seconds: int | None = None
    if isinstance(value, Mapping):
        low, high = value.get("low"), value.get("high")
        if _is_int(low) and _is_int(high):
            seconds = (high << 32) | (low & 0xFFFFFFFF)
    elif _is_int(value):
        seconds = value
    elif isinstance(value, float) and value.is_integer():
        seconds = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,12}", value.strip()):
        seconds = int(value.strip())
    if seconds is None:
        raise MalformedWebhook(f"data.messageTimestamp must be epoch seconds, got {value!r}")
    if not 0 < seconds <= _LATEST_EPOCH:
        raise MalformedWebhook(f"data.messageTimestamp {seconds} is out of range")
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(value: object, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        what = "missing" if value is None else f"not an object ({type(value).__name__})"
        raise MalformedWebhook(f"{where} is {what}")
    return value


def _text(holder: Mapping, field: str, where: str) -> str:
    value = holder.get(field)
    if not isinstance(value, str) or not value.strip():
        what = "missing" if value is None else f"not a non-empty string ({value!r})"
        raise MalformedWebhook(f"{where}.{field} is {what}")
    return value


def _key(holder: Mapping, field: str, where: str, max_length: int) -> str:
    """A name or id Tatame looks rows up by and stores: what does not fit its column, or holds
    what a column cannot (NUL, a lone surrogate), is refused rather than cut, as a cut id could
    stand for another one."""
    value = _text(holder, field, where)
    if len(value) > max_length:
        raise MalformedWebhook(f"{where}.{field} is longer than {max_length} characters ({len(value)})")
    if "\x00" in value or re.search("[\ud800-\udfff]", value):
        raise MalformedWebhook(f"{where}.{field} holds a NUL or an unpaired surrogate character")
    return value


def _optional_text(holder: Mapping, field: str) -> str | None:
    value = holder.get(field)
    if value is not None and not isinstance(value, str):
        raise MalformedWebhook(f"data.key.{field} must be a string, got {value!r}")
    return value
