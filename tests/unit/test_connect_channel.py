import attrs
import pytest

from adapters.evolution.events import Ignored
from adapters.evolution.instances import WEBHOOK_EVENTS
from adapters.evolution.parsing import MalformedWebhook, parse_webhook
from application.channel_control import ConnectionState, Pairing, UnknownInstance
from application.connect_channel import ConnectChannel


@attrs.define
class FakeChannelControl:
    state: ConnectionState
    instances: set[str] = attrs.field(factory=lambda: {"ct"})
    calls: list[tuple] = attrs.field(factory=list)

    async def create(self, instance: str) -> None:
        self.calls.append(("create", instance))
        self.instances.add(instance)

    async def set_webhook(self, instance: str, url: str, secret: str) -> None:
        self.calls.append(("set_webhook", instance, url, secret))
        if instance not in self.instances:
            raise UnknownInstance(instance)

    async def connection_state(self, instance: str) -> ConnectionState:
        self.calls.append(("connection_state", instance))
        return self.state

    async def pair(self, instance: str, phone: str | None) -> Pairing:
        self.calls.append(("pair", instance, phone))
        return Pairing(state=ConnectionState.CONNECTING, qr_text="2@qr", pairing_code="ABCD1234" if phone else None)


class TestConnectChannel:
    async def test_a_connected_number_gets_its_webhook_and_is_left_alone(self):
        control = FakeChannelControl(ConnectionState.OPEN)
        pairing = await ConnectChannel(control).execute("ct", "http://bot:8000/webhooks/evolution", "s3cret")
        assert pairing == Pairing(state=ConnectionState.OPEN)
        assert control.calls == [("set_webhook", "ct", "http://bot:8000/webhooks/evolution", "s3cret"), ("connection_state", "ct")]

    @pytest.mark.parametrize("state", [ConnectionState.CLOSE, ConnectionState.CONNECTING])
    async def test_a_number_not_connected_is_offered_pairing_after_the_webhook_is_set(self, state):
        control = FakeChannelControl(state)
        pairing = await ConnectChannel(control).execute("ct", "https://x/webhooks/evolution", "s", phone="5511999990000")
        assert pairing.pairing_code == "ABCD1234" and pairing.state is ConnectionState.CONNECTING
        assert [call[0] for call in control.calls] == ["set_webhook", "connection_state", "pair"]
        assert control.calls[-1] == ("pair", "ct", "5511999990000")

    async def test_an_unknown_instance_is_an_error_unless_creating_is_asked(self):
        control = FakeChannelControl(ConnectionState.CLOSE)
        with pytest.raises(UnknownInstance):
            await ConnectChannel(control).execute("nova", "http://bot/webhooks/evolution", "s")
        assert "nova" not in control.instances

        await ConnectChannel(control).execute("nova", "http://bot/webhooks/evolution", "s", create=True)
        assert [call[0] for call in control.calls[1:]] == ["set_webhook", "create", "set_webhook", "connection_state", "pair"]


@pytest.mark.parametrize("event", WEBHOOK_EVENTS)
def test_every_event_the_webhook_asks_for_is_one_tatame_reads(event):
    # A handled event with empty data is malformed; an unhandled one is ignored whatever it holds.
    try:
        result = parse_webhook({"event": event, "instance": "ct", "data": {}})
    except MalformedWebhook:
        return
    assert not (isinstance(result, Ignored) and "not handled" in result.reason), result
