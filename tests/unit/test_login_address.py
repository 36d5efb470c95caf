from entrypoints.http.dashboard.address import client_address


def test_a_proxy_in_the_private_network_names_the_client_last():
    assert client_address("172.18.0.5", {"x-forwarded-for": "6.6.6.6, 200.1.2.3"}) == "200.1.2.3"


def test_a_client_cannot_name_its_own_address():
    assert client_address("200.1.2.3", {"x-forwarded-for": "10.9.9.9"}) == "200.1.2.3"


def test_without_a_proxy_the_peer_is_the_client():
    assert client_address("127.0.0.1", {}) == "127.0.0.1"
    assert client_address(None, {}) == "unknown"
