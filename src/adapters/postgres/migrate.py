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


async def upgrade(engine: AsyncEngine, revision: str = "head", app_role: str | None = None) -> None:
    """Brings the schema to `revision` over the engine's connection, inside the running event loop.
    The engine must act as the tables' owner; `app_role` is the role the application acts as."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes["app_role"] = app_role
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


@attrs.frozen
class SchemaMigrator:
    """What a process that talks to members runs first: the schema at head, on the owner's engine."""

    engine: AsyncEngine
    app_role: str | None = None

    async def upgrade(self) -> None:
        await upgrade(self.engine, app_role=self.app_role)


@attrs.frozen
class AlembicSchemaHistory:
    """The revisions of the migrations that ship with this code."""

    _scripts: ScriptDirectory = attrs.field(factory=lambda: ScriptDirectory.from_config(alembic_config()))

    def head(self) -> str:
        return str(self._scripts.get_current_head())

    def knows(self, revision: str) -> bool:
        return any(script.revision == revision for script in self._scripts.walk_revisions())
