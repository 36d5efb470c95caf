"""Security headers of every dashboard response (pages, fragments, assets); the webhook, /health and
/metrics never pass through here."""

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style, nothing from elsewhere, never inside a frame. htmx runs from our own
# file; its configuration (no injected indicator styles, no eval) is in a meta tag of the layout.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",  # frame-ancestors, for browsers that predate it
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
# Members' messages are on these pages: no shared cache may keep them.
NO_STORE = {"cache-control": "no-store"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, cache: bool = False) -> None:
        self.app = app
        self.headers = HEADERS if cache else {**HEADERS, **NO_STORE}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
