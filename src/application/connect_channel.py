import attrs

from application.channel_control import ChannelControl, ConnectionState, Pairing, UnknownInstance


@attrs.define
class ConnectChannel:
    """Points an instance's webhook at Tatame and reports its link with WhatsApp, starting the
    pairing when the number is not connected. Safe to repeat: the webhook is replaced, not added,
    an existing instance is not created again, and a connected number is left alone."""

    control: ChannelControl

    async def execute(self, instance: str, webhook_url: str, secret: str, phone: str | None = None, *, create: bool = False) -> Pairing:
        """With `create`, an instance the gateway does not have is created first; without it, a
        mistyped name is an error rather than a new instance."""
        try:
            await self.control.set_webhook(instance, webhook_url, secret)
        except UnknownInstance:
            if not create:
                raise
            await self.control.create(instance)
            await self.control.set_webhook(instance, webhook_url, secret)
        state = await self.control.connection_state(instance)
        if state is ConnectionState.OPEN:
            # Asking an open instance to connect would only repeat its state.
            return Pairing(state=state)
        return await self.control.pair(instance, phone)
