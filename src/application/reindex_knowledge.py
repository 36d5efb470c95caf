import uuid

import attrs

from application.errors import ApplicationError
from application.ingest_knowledge import IngestKnowledge
from application.knowledge_index import SyncReport
from application.members import tenant_by_id
from application.tenant_packs import TenantPackSource
from application.unit_of_work import UnitOfWork


class NoTenantPack(ApplicationError):
    """The tenant has no pack in the knowledge folder any more."""


@attrs.define
class ReindexKnowledge:
    """Reads one tenant's pack again and brings its facts and index up to date (`IngestKnowledge`
    for that tenant alone; other tenants' packs are not read). Raises `InvalidTenantPack` naming the
    file and field at fault, `KnowledgeSyncFailed` when an embedding model fails."""

    uow: UnitOfWork
    packs: TenantPackSource
    ingest: IngestKnowledge

    async def execute(self, tenant_id: uuid.UUID) -> SyncReport:
        tenant = await tenant_by_id(self.uow, tenant_id)
        pack = self.packs.load(tenant.slug)
        if pack is None:
            raise NoTenantPack(f"no pack for tenant {tenant.slug}")
        return (await self.ingest.ingest(pack)).report
