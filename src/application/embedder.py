from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    """Dense text embeddings for hybrid retrieval. Optional: the offline engine retrieves lexically.

    No `dimensions`: an index learns the size from the vectors themselves, so neither a setting that
    can disagree with the model nor a probe call at every start is needed."""

    @property
    def model(self) -> str:
        """Names the vector space: vectors of two models do not compare, so a new model means every
        text is embedded again."""

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order, all of the model's length. Raises when the model gives
        none: a sync then stops with the tenant's sections as they were, a search falls back to lexical retrieval."""
