import attrs
import structlog

from application.clock import Clock
from application.errors import UnknownChannel
from application.unit_of_work import UnitOfWork
from domain.channel import Channel

log = structlog.get_logger(__name__)


@attrs.define
class RecordChannelEvent:
    """What the channel reports about itself and about messages already sent: delivery acks and
    the connection state."""

    uow: UnitOfWork
    clock: Clock

    async def _channel(self, name: str) -> Channel:
        channel = await self.uow.channels.by_name(name)
        if channel is None:
            raise UnknownChannel(f"no channel named {name!r}")
        return channel

    async def delivery(self, channel_name: str, channel_message_id: str, status: str) -> bool:
        """False when the message is not one of ours (acks for messages typed elsewhere)."""
        channel = await self._channel(channel_name)
        message = await self.uow.messages.by_channel_message_id(channel.id, channel_message_id)
        if message is None:
            return False
        message.delivery_status = status
        await self.uow.commit()
        return True

    async def connection(self, channel_name: str, state: str) -> None:
        channel = await self._channel(channel_name)
        dropped = channel.record_connection(state, self.clock.now())
        await self.uow.commit()
        if dropped:
            # Members writing to this number get no reply until it is paired again: /health lists
            # it too, for whoever watches that.
            log.error("channel.down", channel=channel.name, tenant=str(channel.tenant_id), state=state)
