import attrs
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.shipped import migrations_dir


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Brings the schema to `revision` over the engine's connection, inside the running event loop."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


@attrs.frozen
class SchemaMigrator:
    """What a process that talks to members runs first: the schema at head, on the service's engine."""

    engine: AsyncEngine

    async def upgrade(self) -> None:
        await upgrade(self.engine)


@attrs.frozen
class AlembicSchemaHistory:
    """The revisions of the migrations that ship with this code."""

    _scripts: ScriptDirectory = attrs.field(factory=lambda: ScriptDirectory.from_config(alembic_config()))

    def head(self) -> str:
        return str(self._scripts.get_current_head())

    def knows(self, revision: str) -> bool:
        return any(script.revision == revision for script in self._scripts.walk_revisions())
