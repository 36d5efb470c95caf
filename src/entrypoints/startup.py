from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.migrate import upgrade
from application.ingest_knowledge import IngestedTenant, IngestKnowledge
from entrypoints.requests import in_request


async def migrate(container: AsyncContainer) -> None:
    await upgrade(await container.get(AsyncEngine))


async def ingest(container: AsyncContainer) -> list[IngestedTenant]:
    async def run(request: AsyncContainer) -> list[IngestedTenant]:
        return await (await request.get(IngestKnowledge)).execute()

    return await in_request(container, run)


async def prepare(container: AsyncContainer) -> list[IngestedTenant]:
    """What a process that talks to members needs first: the schema at head and a fresh index
    (re-ingest is incremental, so a fresh index costs a comparison, not a re-embedding)."""
    await migrate(container)
    return await ingest(container)
