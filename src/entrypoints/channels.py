"""The channel kinds Tatame talks to members on, for the processes that do (`tatame serve`'s
webhook processes and `tatame worker`). A new kind adds its gateway here: see docs/channels.md."""

import httpx

from adapters.evolution.gateway import EvolutionGateway
from application.gateway import Gateways


def member_gateways(http: httpx.AsyncClient) -> Gateways:
    """One gateway per channel kind, sharing the process's HTTP client."""
    return Gateways(EvolutionGateway(http))
