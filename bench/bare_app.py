"""The ceiling for bench/webhook_load.py: a Litestar endpoint that does nothing."""

from litestar import Litestar, post


@post("/webhooks/evolution", status_code=200)
async def webhook(data: dict) -> dict[str, str]:
    return {"result": "ignored"}


app = Litestar([webhook])
