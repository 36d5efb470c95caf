from dishka import AsyncContainer

from adapters.postgres.migrate import SchemaMigrator
from application.ingest_knowledge import IngestedTenant, IngestKnowledge
from application.register_channel import RegisterChannel
from entrypoints.requests import in_request
from entrypoints.settings import Settings


async def migrate(container: AsyncContainer) -> None:
    await (await container.get(SchemaMigrator)).upgrade()


async def ingest(container: AsyncContainer) -> list[IngestedTenant]:
    async def run(request: AsyncContainer) -> list[IngestedTenant]:
        return await (await request.get(IngestKnowledge)).execute()

    return await in_request(container, run)


async def register_default_channel(container: AsyncContainer, settings: Settings) -> None:
    """EVOLUTION_INSTANCE, EVOLUTION_URL and EVOLUTION_API_KEY connect the default tenant's number."""
    instance = settings.evolution_instance
    if not instance:
        return

    async def run(request: AsyncContainer) -> None:
        await (await request.get(RegisterChannel)).execute(
            settings.default_tenant, instance, settings.evolution_url, settings.evolution_api_key
        )

    await in_request(container, run)


async def prepare(container: AsyncContainer) -> list[IngestedTenant]:
    """What a process that talks to members needs first: the schema at head and a fresh index
    (re-ingest is incremental, so a fresh index costs a comparison, not a re-embedding)."""
    await migrate(container)
    return await ingest(container)
