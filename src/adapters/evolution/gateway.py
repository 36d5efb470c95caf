import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

import attrs
import httpx

from adapters.evolution.events import OwnMessage
from adapters.evolution.parsing import MalformedWebhook, parse_webhook
from application.gateway import DeliveryFailed
from domain.channel import Channel, ChannelKind
from domain.phone import Phone


def error_detail(response: httpx.Response) -> object:
    """Evolution's errors are `{status, error, response: {message}}`; the message explains them."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("response"), dict):
        return body["response"].get("message", body)
    return body


def _send_error(detail: object) -> bool:
    """A 400 that wraps a failure of the send itself (`["Error: Timed Out"]`,
    `["Error: Connection Closed"]`): Evolution 2.3 reports those as 400."""
    return isinstance(detail, list) and any(isinstance(item, str) and item.startswith("Error:") for item in detail)


def _failure(response: httpx.Response) -> DeliveryFailed:
    """5xx, 429 and wrapped send errors may pass another time; a number that is not on WhatsApp
    (`exists: false`), bad credentials or a bad request will not. A 5xx or a failed send may come
    after WhatsApp took the message, so those may have gone out."""
    status, detail = response.status_code, error_detail(response)
    maybe_sent = status >= 500 or (status == 400 and _send_error(detail))
    return DeliveryFailed(f"{status}: {detail}", retryable=maybe_sent or status == 429, maybe_sent=maybe_sent)


# Evolution's server (Node.js) closes a connection idle for 5 s, and httpx would reuse one for 5 s
# too: a send on a connection Evolution is closing at that moment fails, and may have gone out, so
# the outbox looks it up before sending again. Dropped sooner here, the connection is never reused
# while Evolution closes it.
_IDLE_CONNECTION_EXPIRY = 3.0


def make_client(timeout: float) -> httpx.AsyncClient:
    """The process's client for Evolution; a slow Evolution should fail fast and be retried by the
    outbox, which looks the send up first (`DeliverOutbox`)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(3.0, timeout)), limits=httpx.Limits(keepalive_expiry=_IDLE_CONNECTION_EXPIRY)
    )


# Records per findMessages page: Evolution's `offset`.
LOOKUP_PAGE = 100
# Pages read per chat. A lookup normally ends on the first page: the chat filter leaves only the
# bot's messages to one member since the attempt. The bound keeps an Evolution that ignores `page`
# (answering the same records again and again) from holding the send forever; one that ignores
# the chat filter still gets 1,000 of the instance's messages read back towards the attempt.
LOOKUP_PAGES = 10
# Evolution stamps messages with its own clock, which may be a little off ours.
CLOCK_SLACK = dt.timedelta(seconds=30)


def _chats(recipient: str) -> list[str]:
    """The JIDs Evolution may have stored a send to `recipient` under: an @lid address as it is;
    a number under the JID WhatsApp knows the account by, which for a Brazilian mobile may be
    with or without the ninth digit, whichever form it was sent to."""
    if "@" in recipient:
        return [recipient]
    try:
        forms = Phone(recipient).line_forms()
    except ValueError:
        forms = (recipient,)
    return [f"{digits}@s.whatsapp.net" for digits in forms]


def _same_chat(own: OwnMessage, recipient: str) -> bool:
    if own.address == recipient:
        return True
    try:
        return Phone(own.phone).same_line(Phone(recipient))
    except ValueError:  # an @lid address has no phone to compare
        return False


@attrs.define
class EvolutionGateway:
    """Evolution API v2: sends with `POST {url}/message/sendText/{instance}`, and finds earlier
    sends with `POST {url}/chat/findMessages/{instance}` (which needs Evolution to keep messages:
    `DATABASE_SAVE_DATA_NEW_MESSAGE=true`, its default), both with the instance's `apikey`.
    One gateway serves every instance: a send goes to its channel's own Evolution (`api_url`),
    instance (`name`) and key (`api_key`)."""

    kind: ClassVar[ChannelKind] = ChannelKind.EVOLUTION
    client: httpx.AsyncClient

    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        response = await self._post(channel, "message/sendText", {"number": recipient, "text": text})
        try:
            return str(response.json()["key"]["id"])
        except (ValueError, KeyError, TypeError):
            return None

    async def find_sent(self, channel: Channel, recipient: str, text: str, since: dt.datetime) -> Sequence[str]:
        earliest = since - CLOCK_SLACK
        found: dict[str, None] = {}  # ordered, once each: pages overlap when sends land between them
        for chat in _chats(recipient):
            for page in range(1, LOOKUP_PAGES + 1):
                records, last_page = await self._find_page(channel, chat, earliest, since, page)
                reached_earlier = False
                for own in _own_messages(channel, records):
                    reached_earlier = reached_earlier or own.timestamp < earliest
                    # The chat is checked again for versions that ignore the chat filter.
                    if own.text == text and own.timestamp >= earliest and _same_chat(own, recipient):
                        found[own.message_id] = None
                # Newest first: once a page reaches before the attempt, later pages hold nothing
                # of it (for Evolution versions that ignore the time filter).
                if not records or page >= last_page or reached_earlier:
                    break
        return list(found)

    async def _find_page(self, channel: Channel, chat: str, earliest: dt.datetime, since: dt.datetime, page: int) -> tuple[list, int]:
        """One page of the instance's own messages in `chat`, newest first, and the number of
        the last page (LOOKUP_PAGES when Evolution does not say). The time filter is honoured
        from 2.3.x on."""
        query = {
            "where": {
                "key": {"fromMe": True, "remoteJid": chat},
                "messageTimestamp": {"gte": earliest.isoformat(), "lte": (since + dt.timedelta(days=1)).isoformat()},
            },
            "offset": LOOKUP_PAGE,
            "page": page,
        }
        response = await self._post(channel, "chat/findMessages", query)
        try:
            messages = response.json()["messages"]
            records = messages["records"]
        except (ValueError, KeyError, TypeError) as error:
            raise DeliveryFailed(f"findMessages answered without messages.records: {error!r}", retryable=True) from error
        pages = messages.get("pages")
        last_page = pages if isinstance(pages, int) and not isinstance(pages, bool) else LOOKUP_PAGES
        return (records if isinstance(records, list) else []), last_page

    async def _post(self, channel: Channel, endpoint: str, body: dict) -> httpx.Response:
        if not channel.api_url:
            raise DeliveryFailed(f"channel {channel.name} has no API URL", retryable=False)
        url = f"{channel.api_url.rstrip('/')}/{endpoint}/{channel.name}"
        try:
            response = await self.client.post(url, json=body, headers={"apikey": channel.api_key or ""})
        except httpx.TransportError as error:
            # Refused before anything was sent: certainly not sent. Anything later (a timeout, a
            # reset) may come after Evolution took the request: it carries on without us.
            refused = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
            raise DeliveryFailed(f"{type(error).__name__}: {error}", retryable=True, maybe_sent=not refused) from error
        if response.status_code >= 400:
            raise _failure(response)
        return response


def _own_messages(channel: Channel, records: list) -> list[OwnMessage]:
    own = []
    for record in records:
        try:
            event = parse_webhook({"instance": channel.name, "event": "send.message", "data": record})
        except (MalformedWebhook, ValueError):
            continue  # not something the bot could have sent
        if isinstance(event, OwnMessage):
            own.append(event)
    return own
