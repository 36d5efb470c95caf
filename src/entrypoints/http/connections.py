"""uvicorn's httptools protocol with the two limits uvicorn lacks.

uvicorn closes a connection only when it idles after a response (`timeout_keep_alive`): one that
never sends a request, or sends it a byte at a time, stays open for good (2,000 of them were
held), and httptools takes headers of any size (8 MB were read). Here a whole request must arrive
within `request_timeout` of the connection opening or of the previous response, and a request's
head must fit in `max_header_bytes`."""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, request_timeout: float, max_header_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_timeout = request_timeout
        self._max_header_bytes = max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_head = False
        self._head_bytes = 0  # the request line and the headers parsed so far
        self._unfinished_head_bytes = 0  # what arrived while the head was unfinished
        self._oversized = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._reading_head:
            # httptools holds the header it is in until its end, however long: bound that too.
            # (A pipelined request may be charged with the tail of the one before it.)
            self._unfinished_head_bytes += len(data)
        if self._oversized or self._unfinished_head_bytes > self._max_header_bytes:
            self._refuse(431, "request headers too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head, self._head_bytes, self._unfinished_head_bytes = True, 0, 0

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        if self._head_bytes > self._max_header_bytes:
            self._oversized = True  # refused once the parser returns; the app never sees it
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._oversized:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._oversized:
            return
        super().on_message_complete()
        self._restart_clock_unless_busy()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._restart_clock_unless_busy()

    def _restart_clock_unless_busy(self) -> None:
        # `cycle` is the latest request. Received whole and not yet answered, the app has it, and
        # the client owes nothing; otherwise the client is sending it, or the next one.
        busy = self.cycle is not None and not self.cycle.more_body and not self.cycle.response_complete
        self._stop_clock()
        if not busy:
            self._start_clock()

    def _start_clock(self) -> None:
        self._deadline = self.loop.call_later(self._request_timeout, self._time_out)

    def _stop_clock(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _time_out(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int, reason: str) -> None:
        self._stop_clock()
        body = reason.encode()
        self.transport.write(
            STATUS_LINE[status]
            + b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body)
            + body
        )
        self.transport.close()
