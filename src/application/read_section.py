import uuid

import attrs

from application.errors import ApplicationError
from application.knowledge_index import KnowledgeIndex
from application.list_sections import SectionView, section_view
from application.members import tenant_by_id
from application.unit_of_work import UnitOfWork


class UnknownSection(ApplicationError):
    """No such section in the tenant's index: another tenant's key is unknown too."""


@attrs.define
class ReadSection:
    """One section of the tenant's knowledge base as indexed, by its key (`SectionView.key`)."""

    uow: UnitOfWork
    index: KnowledgeIndex

    async def execute(self, tenant_id: uuid.UUID, key: str) -> SectionView:
        tenant = await tenant_by_id(self.uow, tenant_id)
        found = next((c for c in await self.index.sections(tenant.slug) if c.key == key), None)
        if found is None:
            raise UnknownSection(f"no section {key!r} for tenant {tenant.slug}")
        return section_view(found)
