import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import channels
from domain.channel import Channel


class PostgresChannelRepository(Repository):
    async def by_name(self, name: str) -> Channel | None:
        return await self.session.scalar(sa.select(Channel).where(channels.c.name == name))

    async def get(self, channel_id: uuid.UUID) -> Channel | None:
        return await self.session.get(Channel, channel_id)

    async def listing(self) -> Sequence[Channel]:
        return list(await self.session.scalars(sa.select(Channel).order_by(channels.c.name)))

    async def down(self) -> Sequence[Channel]:
        query = (
            sa.select(Channel)
            .where(channels.c.enabled, channels.c.connection_state.is_not(None), channels.c.connected.is_not(True))
            .order_by(channels.c.name)
        )
        return list(await self.session.scalars(query))
