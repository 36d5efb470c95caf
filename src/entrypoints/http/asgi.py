"""`tatame serve` with several processes: uvicorn calls `create_app` once in each."""

import os

import httpx
from litestar.types import ASGIApp

from adapters.evolution.gateway import TIMEOUT, EvolutionGateway
from entrypoints.container import make_container
from entrypoints.http.app import make_app
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings

# Set by `tatame serve --no-worker` for the processes it starts.
NO_TURN_WORKER = "TATAME_SERVE_WITHOUT_WORKER"


def create_app() -> ASGIApp:
    """The parent process already migrated and ingested; each server process only wires itself."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    http = httpx.AsyncClient(timeout=TIMEOUT)
    container = make_container(settings, EvolutionGateway(http))
    return make_app(container, settings, with_worker=os.environ.get(NO_TURN_WORKER) != "1", on_close=http.aclose)
