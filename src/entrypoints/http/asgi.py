"""`tatame serve` with several processes: uvicorn calls `create_app` once in each."""

import os

from litestar.types import ASGIApp

from adapters.evolution.gateway import EvolutionGateway, make_client
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
    http = make_client(settings.evolution_timeout)
    container = make_container(settings, EvolutionGateway(http))
    return make_app(container, settings, with_worker=os.environ.get(NO_TURN_WORKER) != "1", on_close=http.aclose)
