"""`tatame serve`: the webhook server processes and, beside them, one turn worker process.

Turns are CPU work (retrieval, rules; soon an LLM's reply parsing) and the webhook is I/O that
Evolution times. In one process every turn would hold up every webhook behind it; in processes of
their own the webhook answers in milliseconds whatever members send, and the worker owns the local
Qdrant folder, which only one process may open."""

import asyncio
import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import structlog
import uvicorn
from litestar.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from entrypoints.container import make_container
from entrypoints.http.asgi import create_app
from entrypoints.http.connections import BoundedHttpToolsProtocol
from entrypoints.process_metrics import process_ended, start_multiprocess
from entrypoints.settings import Settings
from entrypoints.startup import prepare, register_default_channel

log = structlog.get_logger(__name__)

# How long the worker may take to finish the turn and the send in hand once asked to stop.
WORKER_STOP_TIMEOUT = 10.0


async def _prepare(settings: Settings) -> None:
    # Nothing is sent here; the server processes wire their own gateway.
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)))
    try:
        await prepare(container)
        await register_default_channel(container, settings)
    finally:
        await container.close()


def _die_with_parent() -> None:
    """Runs in each child of serve before it starts: a `kill -9` of serve takes the children along
    (Linux), so a restarted service never runs beside an orphan of the old one (holding the port,
    or answering turns)."""
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _server_process_app(settings: Settings, serve_pid: int) -> ASGIApp:
    """The app of one of several server processes (uvicorn starts them). A process gets here only
    after its imports, seconds after it was started: if serve died meanwhile, the parent-death
    signal was asked for too late to come, so the orphan ends itself."""
    _die_with_parent()
    if os.getppid() != serve_pid:
        os._exit(1)
    return create_app(settings)


def _start_worker(settings: Settings) -> "subprocess.Popen[bytes]":
    return subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        env={**os.environ, **settings.environment()},
        preexec_fn=_die_with_parent,
    )


def _watch(worker: "subprocess.Popen[bytes]", stopping: threading.Event) -> None:
    """A worker that dies on its own would leave members unanswered behind a healthy webhook: stop
    the whole service instead, so its supervisor restarts it and the on-call engineer sees why."""
    code = worker.wait()
    if not stopping.is_set():
        log.error("serve.worker_exited", exit_code=code)
        os.kill(os.getpid(), signal.SIGTERM)


def _stop(worker: "subprocess.Popen[bytes]") -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        log.error("serve.worker_killed", timeout=WORKER_STOP_TIMEOUT)
        worker.kill()
        worker.wait()
    process_ended(worker.pid)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Where the server processes listen, and what they let a client hold: an idle connection
    HTTP_KEEP_ALIVE seconds, a request's arrival HTTP_REQUEST_TIMEOUT, its head
    HTTP_MAX_HEADER_BYTES, and at most HTTP_MAX_CONNECTIONS connections per process."""
    return dict(
        host=settings.host,
        port=settings.port,
        http=functools.partial(
            BoundedHttpToolsProtocol, request_timeout=settings.http_request_timeout, max_header_bytes=settings.http_max_header_bytes
        ),
        timeout_keep_alive=settings.http_keep_alive,
        limit_concurrency=settings.http_max_connections,
        lifespan="on",
        log_level="warning",
        log_config=None,  # uvicorn's records go to the root logger, which writes JSON lines
        access_log=False,
    )


def _run_servers(settings: Settings, processes: int) -> None:
    """`uvicorn.run`, but each server process gets the settings themselves (pickled with the app
    factory), where `uvicorn.run` takes several processes only for an import string, whose
    processes would read their settings from the environment alone (losing `--knowledge`)."""
    factory = functools.partial(_server_process_app, settings, os.getpid()) if processes > 1 else functools.partial(create_app, settings)
    config = uvicorn.Config(factory, factory=True, workers=processes, **uvicorn_options(settings))
    if processes > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


def serve(settings: Settings, processes: int, with_worker: bool) -> int:
    """Migrates and ingests once, then runs `processes` webhook server processes and, unless told
    otherwise, one turn worker process (more `tatame worker` processes may join anywhere)."""
    asyncio.run(_prepare(settings))
    # Before any server or worker process starts: each of them counts into this folder, and
    # `/metrics`, in whichever server process a scrape reaches, reads them all.
    start_multiprocess(settings.data_dir / "metrics")
    stopping = threading.Event()
    # uvicorn answers SIGTERM and SIGINT while it runs, then sends the signal again to whatever
    # handled it before: by default that ends serve on the spot, its worker killed along (the
    # parent-death signal) in the middle of a turn, with a signal's exit status instead of 0.
    # Here it only records the order to stop; the server and then the worker stop in their turn.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    worker = _start_worker(settings) if with_worker else None
    if worker is not None:
        threading.Thread(target=_watch, args=(worker, stopping), daemon=True, name="worker-watch").start()
    try:
        if not stopping.is_set():
            _run_servers(settings, processes)
    finally:
        stopping.set()
        if worker is not None:
            _stop(worker)
    return 0 if worker is None or worker.returncode in (0, -signal.SIGTERM) else 1
