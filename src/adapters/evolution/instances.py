import base64
import binascii
from typing import Any

import attrs
import httpx

from adapters.evolution.gateway import error_detail
from application.channel_control import ChannelControlFailed, ConnectionState, Pairing, UnknownInstance

# The events adapters.evolution.parsing reads (`messages.upsert`, `send.message`,
# `messages.update`, `connection.update`), as Evolution's webhook configuration names them; any
# other event would only cost a request that the webhook ignores.
WEBHOOK_EVENTS = ("MESSAGES_UPSERT", "SEND_MESSAGE", "MESSAGES_UPDATE", "CONNECTION_UPDATE")
# The header entrypoints.http.auth checks; Evolution sends the instance's webhook headers as given.
SECRET_HEADER = "X-Webhook-Secret"


@attrs.define
class EvolutionInstanceControl:
    """Evolution API v2's instance management, with its global API key (AUTHENTICATION_API_KEY)
    or the instance's own token: `POST /instance/create` (global key only), `POST
    /webhook/set/{instance}`, `GET /instance/connectionState/{instance}` and `GET
    /instance/connect/{instance}`."""

    client: httpx.AsyncClient
    url: str
    api_key: str

    async def create(self, instance: str) -> None:
        # Needs the global key. Without `qrcode` Evolution does not start pairing here: `pair` does.
        body = {"instanceName": instance, "integration": "WHATSAPP-BAILEYS"}
        await self._call("POST", "instance/create", None, json=body)

    async def set_webhook(self, instance: str, url: str, secret: str) -> None:
        # src/api/integrations/event/webhook/webhook.schema.ts; with `byEvents` off every event
        # goes to `url` itself, and `base64` off keeps media out of the bodies (Tatame reads text).
        webhook = {"enabled": True, "url": url, "headers": {SECRET_HEADER: secret}, "byEvents": False, "base64": False}
        await self._call("POST", "webhook/set", instance, json={"webhook": {**webhook, "events": list(WEBHOOK_EVENTS)}})

    async def connection_state(self, instance: str) -> ConnectionState:
        body = await self._call("GET", "instance/connectionState", instance)
        instance_body = body.get("instance") if isinstance(body, dict) else None
        # Evolution leaves `state` out for an instance it knows in its database but has not loaded.
        return _state(instance_body.get("state") if isinstance(instance_body, dict) else None)

    async def pair(self, instance: str, phone: str | None) -> Pairing:
        body = await self._call("GET", "instance/connect", instance, params={"number": phone} if phone else None)
        if not isinstance(body, dict):
            raise ChannelControlFailed(f"Evolution answered instance/connect with {body!r}")
        if body.get("error"):
            # connectToWhatsapp() catches its own failures and answers them with a 200.
            raise ChannelControlFailed(f"Evolution could not start pairing {instance}: {body.get('message')}")
        if isinstance(body.get("instance"), dict):  # already open: it answers the connection state
            return Pairing(state=_state(body["instance"].get("state")))
        return Pairing(
            state=ConnectionState.CONNECTING,
            qr_text=body.get("code") or None,
            qr_png=_png(body.get("base64")),
            pairing_code=body.get("pairingCode") or None,
        )

    async def _call(self, method: str, endpoint: str, instance: str | None, **request: Any) -> object:
        """`instance` ends the path; None for the endpoints that name none."""
        url = f"{self.url.rstrip('/')}/{endpoint}" + ("" if instance is None else f"/{instance}")
        try:
            response = await self.client.request(method, url, headers={"apikey": self.api_key}, **request)
        except httpx.HTTPError as error:
            raise ChannelControlFailed(
                f"Evolution at {self.url} cannot be reached ({type(error).__name__}: {error}); is it running?"
            ) from error
        if response.status_code == 401:
            token = "" if instance is None else f" or {instance}'s token"
            raise ChannelControlFailed(f"Evolution refused the API key (401): EVOLUTION_API_KEY must be its AUTHENTICATION_API_KEY{token}")
        # The instance guard's 404, not that of a route this Evolution does not have.
        if response.status_code == 404 and instance is not None and "does not exist" in str(error_detail(response)):
            raise UnknownInstance(f"Evolution has no instance {instance!r}: create it (--create, or in its manager)")
        if response.status_code >= 400:
            raise ChannelControlFailed(f"Evolution answered {endpoint} with {response.status_code}: {error_detail(response)}")
        try:
            return response.json()
        except ValueError as error:
            raise ChannelControlFailed(f"Evolution answered {endpoint} with a body that is not JSON: {response.text[:200]!r}") from error


def _state(value: object) -> ConnectionState:
    if value is None:
        return ConnectionState.CLOSE
    try:
        return ConnectionState(str(value))
    except ValueError:
        raise ChannelControlFailed(f"Evolution reported an unknown connection state {value!r}") from None


def _png(data_url: object) -> bytes | None:
    """Evolution renders the QR code as `data:image/png;base64,...`."""
    if not isinstance(data_url, str) or "," not in data_url:
        return None
    try:
        return base64.b64decode(data_url.partition(",")[2], validate=True)
    except binascii.Error:
        return None
