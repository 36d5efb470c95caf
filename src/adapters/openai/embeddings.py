"""Dense embeddings through the official client's `embeddings.create`, against OpenAI or any
compatible server (vLLM, Ollama, llama.cpp, TEI...)."""

import time
from collections.abc import Sequence

import attrs
import structlog
from openai import AsyncOpenAI

from adapters.openai.failure import ModelFailure, failures_as_model_failure

log = structlog.get_logger(__name__)
# OpenAI takes 2,048 inputs a call, but self-hosted servers cap batches far lower (TEI's default is
# 32 texts, llama.cpp's is its context): a section is a few hundred tokens, so 64 keeps a call small
# everywhere while a whole pack is still a handful of calls.
BATCH = 64


@attrs.frozen
class OpenAIEmbedder:
    client: AsyncOpenAI
    model: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """`ModelFailure` when any call fails or answers vectors that do not fit the texts."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            vectors += await self._call(texts[start : start + BATCH])
        if len({len(v) for v in vectors}) > 1:
            raise ModelFailure("embeddings of different lengths")
        return vectors

    async def _call(self, texts: Sequence[str]) -> list[list[float]]:
        started = time.monotonic()
        with failures_as_model_failure():
            # "float", not the client's default base64: every compatible server speaks it, not all speak base64.
            response = await self.client.embeddings.create(model=self.model, input=list(texts), encoding_format="float")
        log.info(
            "llm.call",
            decision="embeddings",
            model=response.model,
            latency_ms=round((time.monotonic() - started) * 1000),
            texts=len(texts),
            prompt_tokens=response.usage.prompt_tokens if response.usage else None,
        )
        data = sorted(response.data, key=lambda d: d.index)
        if [d.index for d in data] != list(range(len(texts))) or not all(d.embedding for d in data):
            raise ModelFailure(f"expected {len(texts)} embeddings, got {len(data)}")
        return [d.embedding for d in data]
