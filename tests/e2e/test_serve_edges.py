"""`tatame serve` as a process, seen from its port and its stderr: connections that send nothing,
or send slowly, are closed; oversized headers and too many connections are refused; and every
line it logs, whichever library logs it, is JSON."""

import json
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.serve_process import free_port, serve_environment, start_serve, wait_healthy
from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, text_message
from tests.fakes.evolution_server import FakeEvolution

KEEP_ALIVE = 0.3
REQUEST_TIMEOUT = 1.0
MAX_CONNECTIONS = 10
# Far longer than the limits above, far shorter than never: what "closed" waits for at most.
PATIENCE = 4.0


@pytest.fixture(scope="module")
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


@pytest.fixture(scope="module")
def serve(database_url, evolution, tmp_path_factory):
    """`tatame serve` with small connection limits, logging at INFO to a file the tests read."""
    folder = tmp_path_factory.mktemp("serve-edges")
    port = free_port()
    env = serve_environment(
        database_url,
        folder / "data",
        evolution,
        PORT=str(port),
        LOG_LEVEL="INFO",
        HTTP_KEEP_ALIVE=str(KEEP_ALIVE),
        HTTP_REQUEST_TIMEOUT=str(REQUEST_TIMEOUT),
        HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        HTTP_MAX_HEADER_BYTES="8192",
    )
    stderr = folder / "stderr.log"
    with stderr.open("wb") as sink:
        process = start_serve(env, stderr=sink)
    wait_healthy(process, port, stderr.read_text)
    yield port, stderr
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _connect(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port))
    connection.settimeout(PATIENCE)
    return connection


def _read_until_closed(connection: socket.socket) -> bytes:
    """What the server sends before it closes the connection; fails if it keeps it open."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {PATIENCE} s (received {received[:80]!r})")
    return received


def _webhook_head(length: int) -> bytes:
    return (
        f"POST /webhooks/evolution HTTP/1.1\r\nHost: tatame\r\nX-Webhook-Secret: {SECRET}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /webhooks/evolution HTTP/1.1\r\nHost: tat", _webhook_head(1000) + b'{"event": "messages.upsert", '],
    ids=["nothing", "half the headers", "half the body"],
)
def test_a_connection_that_stalls_is_closed(serve, sent):
    port, _ = serve
    with _connect(port) as connection:
        connection.sendall(sent)
        _read_until_closed(connection)


def test_an_idle_connection_is_closed_after_the_keep_alive(serve):
    port, _ = serve
    with _connect(port) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: tatame\r\n\r\n")
        started = time.monotonic()
        answer = _read_until_closed(connection)
    assert answer.startswith(b"HTTP/1.1 200 ")
    # uvicorn's own default is 5 s: closing well before it shows HTTP_KEEP_ALIVE is applied.
    assert time.monotonic() - started < 5


def test_oversized_headers_are_refused(serve):
    port, _ = serve
    with _connect(port) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: tatame\r\nX-Padding: " + b"a" * 65536 + b"\r\n\r\n")
        assert _read_until_closed(connection).startswith(b"HTTP/1.1 431 ")


def test_connections_beyond_the_limit_get_503(serve):
    port, _ = serve
    idle = [_connect(port) for _ in range(MAX_CONNECTIONS)]
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=PATIENCE)
    finally:
        for connection in idle:
            connection.close()
    assert response.status_code == 503


def _log_lines(stderr: Path) -> list[str]:
    return [line for line in stderr.read_text().splitlines() if line.strip()]


def test_every_log_line_is_json(serve, evolution):
    port, stderr = serve
    phone = "5511977780001"
    response = httpx.post(
        f"http://127.0.0.1:{port}/webhooks/evolution", json=text_message(phone, "qual o endereço?"), headers={"x-webhook-secret": SECRET}
    )
    assert response.status_code == 200
    deadline = time.monotonic() + 20
    # httpx logs each call to Evolution, alembic each migration step: plain text, unless routed.
    while not any("HTTP Request" in line for line in _log_lines(stderr)):
        assert time.monotonic() < deadline, _log_lines(stderr)
        time.sleep(0.05)
    entries = []
    for line in _log_lines(stderr):
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    loggers = {entry.get("logger") for entry in entries}
    assert {"httpx", "alembic.runtime.migration"} <= loggers, loggers
    assert all({"event", "level", "timestamp"} <= entry.keys() for entry in entries)
    # A turn's lines name it; no line holds the member's number or words.
    [done] = [entry for entry in entries if entry["event"] == "turn.done"]
    assert {"tenant", "conversation"} <= done.keys()
    text = stderr.read_text()
    assert phone not in text and "endereço" not in text and "endere\\u00e7o" not in text
