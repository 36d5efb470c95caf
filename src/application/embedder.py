from collections.abc import Sequence
from typing import Protocol

from application.model_usage import Caller
from domain.tenant import Tenant

# The ledger's decisions of embedding calls.
INGEST_EMBEDDINGS = "ingest_embeddings"
QUERY_EMBEDDING = "query_embedding"


class Embedder(Protocol):
    """Dense text embeddings for hybrid retrieval. Optional: the offline engine retrieves lexically.

    No `dimensions`: an index learns the size from the vectors themselves, so neither a setting that
    can disagree with the model nor a probe call at every start is needed.

    Each call is billed to a tenant, so each method is told whose texts these are: a pack's sections
    and a member's question are paid for by the center they belong to."""

    @property
    def model(self) -> str:
        """Names the vector space: vectors of two models do not compare, so a new model means every
        text is embedded again."""

    async def embed_sections(self, tenant: Tenant, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order, all of the model's length. Never refused by the tenant's
        ceiling: a pack must be indexed for any engine to answer from it. Raises when the model
        gives none: a sync then stops with the tenant's sections as they were."""

    async def embed_query(self, caller: Caller, text: str) -> list[float]:
        """The question's vector. Raises when the model gives none, or when no call may be made (the
        tenant's ceiling is reached, the circuit is open): the search is then lexical alone."""
