"""What the webhook answers when the storage behind it fails: 503 for an outage (Evolution retries
it), 500 with the traceback in the log for a bug, and never the error itself to the caller."""

import json
from pathlib import Path

import httpx
from dishka import Provider, Scope, make_async_container
from structlog.testing import capture_logs

from application.errors import StorageUnavailable
from application.inbox import ChannelDirectory
from entrypoints.http.app import make_app
from entrypoints.settings import Settings

SECRET = "s3cret-for-tests-that-is-long-enough-for-hs256"
EVENT = json.loads((Path(__file__).parents[1] / "fixtures" / "evolution" / "v2-messages-upsert-text.json").read_text("utf-8"))


class FailingDirectory:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def find(self, name: str) -> None:
        raise self.error


async def _post(error: Exception) -> httpx.Response:
    provider = Provider(scope=Scope.APP)
    provider.from_context(provides=Settings)
    provider.from_context(provides=ChannelDirectory)
    container = make_async_container(
        provider, context={Settings: Settings(webhook_secret=SECRET), ChannelDirectory: FailingDirectory(error)}
    )
    try:
        transport = httpx.ASGITransport(make_app(container))  # type: ignore[arg-type]  # httpx types ASGI apps loosely
        async with httpx.AsyncClient(transport=transport, base_url="http://tatame") as client:
            return await client.post("/webhooks/evolution", json=EVENT, headers={"x-webhook-secret": SECRET})
    finally:
        await container.close()


async def test_an_outage_is_a_503_to_retry():
    response = await _post(StorageUnavailable('Error: database "tatame" is not currently accepting connections'))
    assert (response.status_code, response.json()) == (503, {"detail": "storage unavailable, retry later"})


async def test_a_bug_is_a_500_and_its_traceback_goes_to_the_log_only():
    bug = KeyError("channel_secret_detail")
    with capture_logs() as logs:
        response = await _post(bug)
    assert (response.status_code, response.json()) == (500, {"detail": "internal error"})
    [failed] = [entry for entry in logs if entry["event"] == "request.failed"]
    assert failed["exc_info"] is bug and failed["path"] == "/webhooks/evolution"
    assert EVENT["data"]["key"]["remoteJid"].split("@")[0] not in json.dumps(failed, default=str)
