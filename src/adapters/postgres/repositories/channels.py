import uuid

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import channels
from domain.channel import Channel


class PostgresChannelRepository(Repository):
    async def by_name(self, name: str) -> Channel | None:
        return await self.session.scalar(sa.select(Channel).where(channels.c.name == name))

    async def get(self, channel_id: uuid.UUID) -> Channel | None:
        return await self.session.get(Channel, channel_id)
