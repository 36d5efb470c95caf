"""The channel kinds Tatame talks to members on, for the processes that do (`tatame serve`'s
webhook processes and `tatame worker`), and how the operator sees channels. A new kind adds its
gateway here: see docs/channels.md."""

import httpx

from adapters.evolution.gateway import EvolutionGateway
from application.gateway import Gateways
from application.list_channels import ChannelView

# A key's last characters tell two keys apart without giving either away; a short one shows none.
KEY_SHOWN = 4
KEY_SHOWN_FROM = 16


def member_gateways(http: httpx.AsyncClient) -> Gateways:
    """One gateway per channel kind, sharing the process's HTTP client."""
    return Gateways(EvolutionGateway(http))


def masked(key: str | None) -> str:
    if not key:
        return "-"
    return "*" * 8 + (key[-KEY_SHOWN:] if len(key) >= KEY_SHOWN_FROM else "")


def channel_line(view: ChannelView) -> str:
    channel = view.channel
    state = "enabled" if channel.enabled else "disabled"
    connection = channel.connection_state or "unknown"
    return f"{channel.name}  {view.tenant}  {channel.kind}  {state}  connection: {connection}  {channel.api_url or '-'}  key: {masked(channel.api_key)}"
