from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.process_metrics import process_metrics

WEBHOOK_PREFIX = "/webhooks/"


class CountWebhookResponses:
    """Counts the webhook's responses by status (`tatame_webhook_responses_total`), those of the
    error handlers included: a run of 401s is a wrong secret, of 503s a database outage. Outside
    the app, so every answer it gives is seen; uvicorn's own refusals (431, 503 over the connection
    limit) never reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                process_metrics().webhook_responses.labels(status=str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, counting_send)
