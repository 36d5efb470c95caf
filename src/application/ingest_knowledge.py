import attrs
import structlog

from application.knowledge_index import KnowledgeIndex, SyncReport
from application.tenant_packs import TenantPack, TenantPackSource
from application.unit_of_work import UnitOfWork
from domain.channel import Channel

log = structlog.get_logger(__name__)


def cli_channel_name(slug: str) -> str:
    return f"cli:{slug}"


@attrs.frozen
class IngestedTenant:
    slug: str
    report: SyncReport


@attrs.define
class IngestKnowledge:
    """Loads every tenant pack, stores the tenants' facts and brings the knowledge index up to date.
    Incremental: running it again on unchanged packs indexes nothing."""

    uow: UnitOfWork
    packs: TenantPackSource
    index: KnowledgeIndex

    async def execute(self) -> list[IngestedTenant]:
        return [await self.ingest(pack) for pack in self.packs.load_all()]

    async def ingest(self, pack: TenantPack) -> IngestedTenant:
        """One pack: its tenant's facts stored, its sections indexed."""
        tenant = await self.uow.tenants.by_slug(pack.tenant.slug)
        if tenant is None:
            tenant = pack.tenant
            self.uow.tenants.add(tenant)
        else:
            tenant.update_facts(pack.tenant)
        if await self.uow.channels.by_name(cli_channel_name(tenant.slug)) is None:
            self.uow.channels.add(Channel(tenant_id=tenant.id, kind="cli", name=cli_channel_name(tenant.slug)))
        # Stored before the sync: its embedding calls are recorded, each on its own, against a
        # tenant the ledger must find. A sync that fails leaves the facts new and the sections
        # as they were, until ingest is run again.
        await self.uow.commit()
        report = await self.index.sync(tenant, pack.chunks)
        log.info("knowledge.synced", tenant=tenant.slug, **attrs.asdict(report))
        return IngestedTenant(slug=tenant.slug, report=report)
