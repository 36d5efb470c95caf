"""What every fake server of the tests shares: an ASGI app served by uvicorn on a free loopback
port, in a thread of the test process, so the real clients talk real HTTP to it."""

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


class LoopbackServer:
    def __init__(self, app: ASGIApp, name: str) -> None:
        self._app = app
        self._name = name
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Serves the app; returns its port once it accepts connections."""
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=0, interface="asgi3", lifespan="off", log_level="warning", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=self._name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self._name} did not start")
            time.sleep(0.01)
        port: int = self._server.servers[0].sockets[0].getsockname()[1]
        return port

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


async def read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes:
    body = b""
    while True:
        event = await receive()
        body += event.get("body", b"")
        if not event.get("more_body"):
            return body
