"""What EvolutionInstanceControl makes of answers the fake Evolution does not give: Evolution's
caught failures, states it never documented, an old Evolution without the route, a proxy's page."""

import json

import httpx
import pytest

from adapters.evolution.instances import EvolutionInstanceControl
from application.channel_control import ChannelControlFailed, ConnectionState, UnknownInstance


def _control(status: int, body: object) -> EvolutionInstanceControl:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=content))
    return EvolutionInstanceControl(httpx.AsyncClient(transport=transport), "http://evolution:8080", "key")


async def test_a_failure_evolution_answers_with_a_200_is_a_failure():
    control = _control(200, {"error": True, "message": "Error: Connection Failure"})
    with pytest.raises(ChannelControlFailed, match="Connection Failure"):
        await control.pair("ct", None)


async def test_a_state_it_never_documented_is_named():
    with pytest.raises(ChannelControlFailed, match="unknown connection state 'refused'"):
        await _control(200, {"instance": {"instanceName": "ct", "state": "refused"}}).connection_state("ct")


async def test_an_instance_not_loaded_counts_as_closed():
    assert await _control(200, {"instance": {"instanceName": "ct"}}).connection_state("ct") is ConnectionState.CLOSE


async def test_only_the_instance_guard_404_means_no_instance():
    missing = _control(404, {"status": 404, "error": "Not Found", "response": {"message": ['The "ct" instance does not exist']}})
    with pytest.raises(UnknownInstance):
        await missing.set_webhook("ct", "http://bot/webhooks/evolution", "s")
    no_route = _control(404, {"status": 404, "error": "Not Found", "response": {"message": ["Cannot POST /webhook/set/ct"]}})
    with pytest.raises(ChannelControlFailed, match="Cannot POST") as raised:
        await no_route.set_webhook("ct", "http://bot/webhooks/evolution", "s")
    assert not isinstance(raised.value, UnknownInstance)


async def test_a_body_that_is_not_json_is_a_failure():
    with pytest.raises(ChannelControlFailed, match="not JSON"):
        await _control(200, b"<html>502 Bad Gateway</html>").connection_state("ct")
