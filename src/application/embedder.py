from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    """Dense text embeddings for hybrid retrieval. Optional: the offline engine retrieves lexically."""

    @property
    def dimensions(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...
