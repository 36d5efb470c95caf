import time

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.tables import channels
from domain.channel import Channel


@attrs.define
class PostgresChannelDirectory:
    """Channels by name, remembered for `ttl` seconds: every webhook names its channel, and a
    query per webhook for a row that never changes its tenant is pure cost. Unknown names are
    not remembered, so a channel registered a moment ago is found at once."""

    engine: AsyncEngine
    ttl: float = 30.0
    _cache: dict[str, tuple[float, Channel]] = attrs.field(factory=dict, init=False)

    async def find(self, name: str) -> Channel | None:
        cached = self._cache.get(name)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with self.engine.connect() as connection:
            row = (await connection.execute(sa.select(channels).where(channels.c.name == name))).one_or_none()
        if row is None:
            return None
        channel = Channel(**{column.key: row._mapping[column] for column in channels.columns})
        self._cache[name] = (time.monotonic() + self.ttl, channel)
        return channel
