import attrs

from application.channel_control import ChannelControl, ConnectionState, Pairing


@attrs.define
class ConnectChannel:
    """Points an instance's webhook at Tatame and reports its link with WhatsApp, starting the
    pairing when the number is not connected. Safe to repeat: the webhook is replaced, not added,
    and a connected number is left alone."""

    control: ChannelControl

    async def execute(self, instance: str, webhook_url: str, secret: str, phone: str | None = None) -> Pairing:
        await self.control.set_webhook(instance, webhook_url, secret)
        state = await self.control.connection_state(instance)
        if state is ConnectionState.OPEN:
            # Asking an open instance to connect would only repeat its state.
            return Pairing(state=state)
        return await self.control.pair(instance, phone)
