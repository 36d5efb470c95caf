import datetime as dt

import attrs

from application.unit_of_work import UnitOfWork


@attrs.frozen
class ChannelDown:
    name: str
    state: str
    since: dt.datetime | None


@attrs.define
class ReportChannels:
    """The numbers members cannot reach the bot on: their gateway said they are not connected
    (logged out, lost, still pairing)."""

    uow: UnitOfWork

    async def down(self) -> list[ChannelDown]:
        return [ChannelDown(c.name, c.connection_state or "", c.connection_changed_at) for c in await self.uow.channels.down()]
