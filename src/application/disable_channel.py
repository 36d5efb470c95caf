import attrs

from application.errors import UnknownChannel
from application.unit_of_work import UnitOfWork
from domain.channel import Channel


@attrs.define
class DisableChannel:
    """Stops a channel: its webhooks are refused (404) and nothing more is sent through it; the
    replies it still owes are given up (see `DeliverOutbox`). Its history stays."""

    uow: UnitOfWork

    async def execute(self, name: str) -> Channel:
        channel = await self.uow.channels.by_name(name)
        if channel is None:
            raise UnknownChannel(f"no channel named {name!r}")
        channel.disable()
        await self.uow.commit()
        return channel
