"""Who may read `/metrics` (`entrypoints.http.metrics_access.refusal`), over the address space."""

import ipaddress

from hypothesis import assume, given
from hypothesis import strategies as st

from entrypoints.http.metrics_access import refusal

TOKEN = "scraper-token"
PRIVATE = [ipaddress.IPv4Network(n) for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def _in(network: ipaddress.IPv4Network) -> st.SearchStrategy[ipaddress.IPv4Address]:
    return st.integers(0, network.num_addresses - 1).map(lambda offset: network.network_address + offset)


private_v4 = st.sampled_from(PRIVATE).flatmap(_in)
any_v4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
public_v4 = any_v4.filter(lambda address: not any(address in network for network in PRIVATE))
any_v6 = st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address)


@given(private_v4)
def test_without_a_token_loopback_and_rfc1918_may_scrape(address):
    assert refusal(None, {}, str(address)) is None
    assert refusal(None, {}, f"::ffff:{address}") is None  # the same peer on a dual-stack socket


@given(public_v4)
def test_without_a_token_any_other_ipv4_address_is_refused(address):
    assert refusal(None, {}, str(address)) == 403
    assert refusal(None, {}, f"::ffff:{address}") == 403


@given(any_v6)
def test_without_a_token_ipv6_is_loopback_only(address):
    assume(address.ipv4_mapped is None)
    assert refusal("", {}, str(address)) == (None if address == ipaddress.IPv6Address("::1") else 403)


@given(private_v4, st.sampled_from(["forwarded", "x-forwarded-for", "x-real-ip"]))
def test_without_a_token_what_a_proxy_forwarded_comes_from_outside(address, header):
    assert refusal(None, {header: "127.0.0.1"}, str(address)) == 403


@given(st.one_of(st.none(), st.text(max_size=20)))
def test_without_a_token_a_peer_that_is_no_address_is_refused(host):
    assume(host is None or not _is_address(host))
    assert refusal(None, {}, host) == 403


@given(st.one_of(any_v4, any_v6).map(str), st.sampled_from(["Bearer", "bearer", "BEARER"]))
def test_with_a_token_the_bearer_token_opens_from_anywhere(host, scheme):
    assert refusal(TOKEN, {"authorization": f"{scheme} {TOKEN}"}, host) is None


NEAR_MISSES = [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, f"Bearer{TOKEN}", "Bearer "]


@given(st.one_of(private_v4.map(str), st.none()), st.one_of(st.none(), st.sampled_from(NEAR_MISSES), st.text(max_size=40)))
def test_with_a_token_anything_else_is_refused_even_from_loopback(host, authorization):
    assume(authorization is None or authorization.partition(" ")[2].strip() != TOKEN or authorization.partition(" ")[0].lower() != "bearer")
    headers = {} if authorization is None else {"authorization": authorization}
    assert refusal(TOKEN, headers, host) == 401


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
