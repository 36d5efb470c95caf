from pathlib import Path

import attrs

from application.ingest_knowledge import IngestedTenant, IngestKnowledge
from application.tenant_packs import TenantPackSource


@attrs.define
class AddTenant:
    """A new training center: its pack joins the others, and every pack is ingested (the new one
    is indexed, the others found unchanged). Its WhatsApp numbers are added apart (`RegisterChannel`)."""

    packs: TenantPackSource
    ingest: IngestKnowledge

    async def execute(self, slug: str, folder: Path) -> IngestedTenant:
        self.packs.install(slug, folder)
        return next(ingested for ingested in await self.ingest.execute() if ingested.slug == slug)
