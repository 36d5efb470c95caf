import uuid
from collections.abc import Sequence

import attrs

from application.knowledge_index import KnowledgeIndex
from application.members import tenant_by_id
from application.unit_of_work import UnitOfWork
from domain.knowledge import Chunk


@attrs.frozen(kw_only=True)
class SectionView:
    key: str  # stable across re-indexing; names the tenant, so another tenant's key is not found
    source: str  # the file in the pack
    heading: str
    text: str
    length: int  # characters of text


@attrs.define
class ListSections:
    """The tenant's knowledge base as the index holds it (what answers are built from), by file
    then heading."""

    uow: UnitOfWork
    index: KnowledgeIndex

    async def execute(self, tenant_id: uuid.UUID) -> Sequence[SectionView]:
        tenant = await tenant_by_id(self.uow, tenant_id)
        return [section_view(c) for c in await self.index.sections(tenant.slug)]


def section_view(chunk: Chunk) -> SectionView:
    return SectionView(key=chunk.key, source=chunk.source, heading=chunk.heading, text=chunk.text, length=len(chunk.text))
