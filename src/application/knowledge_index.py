from collections.abc import Sequence
from typing import Protocol

import attrs

from domain.knowledge import Chunk


@attrs.frozen
class Passage:
    chunk: Chunk
    score: float


@attrs.frozen
class SyncReport:
    indexed: int  # new or changed chunks (embedded again)
    unchanged: int
    removed: int


class KnowledgeIndex(Protocol):
    async def sync(self, tenant: str, chunks: Sequence[Chunk]) -> SyncReport:
        """Makes the tenant's indexed chunks equal to `chunks`: indexes new and changed ones, leaves
        unchanged ones alone (no re-embedding), removes the ones that are gone."""

    async def search(self, tenant: str, query: str, limit: int) -> Sequence[Passage]:
        """The tenant's best passages for `query`, best first; never another tenant's."""


class KnowledgeSyncFailed(Exception):
    """The tenant's sections could not be brought up to date (an embedding model that fails). They
    are left as they were, so the sync can simply be run again."""
