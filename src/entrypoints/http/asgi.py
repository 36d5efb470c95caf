"""The webhook app of one server process: `tatame serve` gives each process its factory, with the settings."""

import gc

from litestar.types import ASGIApp

from adapters.evolution.gateway import make_client
from entrypoints.channels import member_gateways
from entrypoints.container import make_container
from entrypoints.http.app import make_app
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings


def create_app(settings: Settings) -> ASGIApp:
    """The parent process already migrated and ingested; each server process only wires itself.
    Turns run in the worker process `tatame serve` starts beside the servers, never here."""
    configure_logging(settings.log_level)
    http = make_client(settings.evolution_timeout)
    container = make_container(settings, member_gateways(http))
    app = make_app(container, on_close=http.aclose, settings=settings)
    # The modules and objects loaded so far live as long as the process. Left to the collector,
    # every full collection walks them all: about 120 ms, every two seconds under webhook load,
    # a pause that every request in flight waits through.
    gc.freeze()
    return app
