"""The address a login comes from, for the per-address limit. Behind the stack's proxy (Caddy, in
the compose network) every request comes from the proxy: the client is the address the proxy
appended last to X-Forwarded-For. A header from anyone else is not believed: a client could name
a new address on every attempt."""

from collections.abc import Mapping

from entrypoints.http.metrics_access import is_private


def client_address(peer: str | None, headers: Mapping[str, str]) -> str:
    forwarded = headers.get("x-forwarded-for", "")
    if forwarded and is_private(peer):
        return forwarded.split(",")[-1].strip() or (peer or "unknown")
    return peer or "unknown"
