from collections.abc import Sequence
from typing import Protocol

import attrs

from application.model_usage import Caller
from domain.knowledge import Chunk
from domain.tenant import Tenant


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
    """Given the tenant itself, not its slug: an index that embeds texts makes model calls, and they
    are billed to the tenant (its id in the ledger, its ceiling before a question's call)."""

    async def sync(self, tenant: Tenant, chunks: Sequence[Chunk]) -> SyncReport:
        """Makes the tenant's indexed chunks equal to `chunks`: indexes new and changed ones, leaves
        unchanged ones alone (no re-embedding), removes the ones that are gone."""

    async def sections(self, tenant: str) -> Sequence[Chunk]:
        """The sections indexed for the tenant (a slug), by file then heading; never another
        tenant's. Reads the index only: no model call."""

    async def search(self, caller: Caller, query: str, limit: int) -> Sequence[Passage]:
        """`caller.tenant`'s best passages for `query`, best first; never another tenant's. The
        caller's turn, when it has one, names the question's embedding call in the ledger."""

    async def version(self, tenant: Tenant) -> str:
        """Names the tenant's indexed sections as they are: another value once a sync indexed or
        removed any, the same value for the same sections in every process. What is derived from
        a search (a cached answer) is keyed by it, so a re-ingest makes the old derivations unread."""


class KnowledgeSyncFailed(Exception):
    """The tenant's sections could not be brought up to date (an embedding model that fails). They
    are left as they were, so the sync can simply be run again."""
