"""Who may read `/metrics`: it names the centers' channels and what their members cost, so it is
never public. With METRICS_TOKEN set, only a request with `Authorization: Bearer <token>`.
Without it, only a request from this host or the compose network: a loopback or private
(RFC 1918) address that no proxy forwarded. Caddy, the stack's one public door, does not route
`/metrics` (compose/Caddyfile); were a proxy to pass it anyway, the forwarding headers it adds
mark the request as coming from outside."""

import hmac
import ipaddress
from collections.abc import Mapping

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network) for network in ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def is_private(host: str | None) -> bool:
    """Loopback or RFC 1918; an IPv4 address written as IPv6 (`::ffff:10.0.0.1`) counts as itself."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False  # a Unix socket, or no peer address at all
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in PRIVATE_NETWORKS)


def bearer_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def refusal(token: str | None, headers: Mapping[str, str], client: str | None) -> int | None:
    """None when the request may read the metrics, else the status to refuse it with: 401 when a
    token is required and missing or wrong, 403 when no token is configured and the request
    comes from outside."""
    if token:
        return None if bearer_matches(headers.get("authorization"), token) else 401
    if any(name in headers for name in FORWARDING_HEADERS):
        return 403
    return None if is_private(client) else 403
