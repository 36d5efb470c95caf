import attrs
import httpx

from application.gateway import DeliveryFailed
from domain.channel import Channel


def _detail(response: httpx.Response) -> object:
    """Evolution's errors are `{status, error, response: {message}}`; the message explains them."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("response"), dict):
        return body["response"].get("message", body)
    return body


def _retryable(status: int, detail: object) -> bool:
    """5xx and 429 may pass. So may a 400 that wraps a failure of the send itself
    (`["Error: Timed Out"]`, `["Error: Connection Closed"]`): Evolution 2.3 reports those as 400.
    A number that is not on WhatsApp (`exists: false`), bad credentials or a bad request will not."""
    if status >= 500 or status == 429:
        return True
    if status != 400 or not isinstance(detail, list):
        return False
    return any(isinstance(item, str) and item.startswith("Error:") for item in detail)


# Sends are small; a slow Evolution should fail fast and be retried by the outbox.
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


@attrs.define
class EvolutionGateway:
    """Sends text through Evolution API v2: `POST {url}/message/sendText/{instance}` with the
    instance's `apikey`. Timeouts and connection errors are retryable (a timed-out send may still
    have gone out: Evolution carries on, so a retry can duplicate it; losing a reply is worse)."""

    client: httpx.AsyncClient

    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        if not channel.api_url:
            raise DeliveryFailed(f"channel {channel.name} has no API URL", retryable=False)
        url = f"{channel.api_url.rstrip('/')}/message/sendText/{channel.name}"
        try:
            response = await self.client.post(url, json={"number": recipient, "text": text}, headers={"apikey": channel.api_key or ""})
        except httpx.TransportError as error:  # timeouts, refused connections, resets
            raise DeliveryFailed(f"{type(error).__name__}: {error}", retryable=True) from error
        if response.status_code >= 400:
            detail = _detail(response)
            raise DeliveryFailed(f"{response.status_code}: {detail}", retryable=_retryable(response.status_code, detail))
        try:
            return str(response.json()["key"]["id"])
        except (ValueError, KeyError, TypeError):
            return None
