"""Dense embeddings through the official client's `embeddings.create`, against OpenAI or any
compatible server (vLLM, Ollama, llama.cpp, TEI...)."""

import time
from collections.abc import Sequence

import attrs
import structlog
from openai import AsyncOpenAI
from openai.types import CreateEmbeddingResponse

from adapters.openai.failure import ModelFailure, failures_as_model_failure
from application.embedder import INGEST_EMBEDDINGS, QUERY_EMBEDDING
from application.meter_model_calls import CallRefused, MeterModelCalls
from application.model_usage import OK, Caller
from application.pricing import Tokens
from domain.tenant import Tenant

log = structlog.get_logger(__name__)
# OpenAI takes 2,048 inputs a call, but self-hosted servers cap batches far lower (TEI's default is
# 32 texts, llama.cpp's is its context): a section is a few hundred tokens, so 64 keeps a call small
# everywhere while a whole pack is still a handful of calls.
BATCH = 64


@attrs.frozen
class OpenAIEmbedder:
    """Every call asks `meter` first and is recorded after, as `ChatModel`'s are (None only where the
    embedder is tested on its own): a question's embedding is refused like a chat call, a pack's
    are recorded and counted toward the month but always made."""

    client: AsyncOpenAI
    model: str
    meter: MeterModelCalls | None = None

    async def embed_sections(self, tenant: Tenant, texts: Sequence[str]) -> list[list[float]]:
        """`ModelFailure` when any call fails or answers vectors that do not fit the texts."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            vectors += await self._metered(Caller(tenant), INGEST_EMBEDDINGS, texts[start : start + BATCH], refusable=False)
        if len({len(v) for v in vectors}) > 1:
            raise ModelFailure("embeddings of different lengths")
        return vectors

    async def embed_query(self, caller: Caller, text: str) -> list[float]:
        """`ModelFailure` when the call fails or may not be made."""
        [vector] = await self._metered(caller, QUERY_EMBEDDING, [text], refusable=True)
        return vector

    async def _metered(self, caller: Caller, decision: str, texts: Sequence[str], refusable: bool) -> list[list[float]]:
        if self.meter is None:
            return _vectors(await self._call(decision, texts), len(texts))
        try:
            admission = await (self.meter.admit if refusable else self.meter.admit_regardless)(caller, self.model)
        except CallRefused as refused:
            raise ModelFailure(refused.reason) from None
        started = time.monotonic()
        tokens = Tokens()
        try:
            response = await self._call(decision, texts)
            tokens = _tokens(response)
            vectors = _vectors(response, len(texts))
        except Exception as error:
            outcome = error.reason if isinstance(error, ModelFailure) else type(error).__name__
            await self.meter.record(admission, caller, decision, self.model, tokens, _since(started), outcome)
            raise
        await self.meter.record(admission, caller, decision, self.model, tokens, _since(started), OK)
        return vectors

    async def _call(self, decision: str, texts: Sequence[str]) -> CreateEmbeddingResponse:
        started = time.monotonic()
        with failures_as_model_failure():
            # "float", not the client's default base64: every compatible server speaks it, not all speak base64.
            response = await self.client.embeddings.create(model=self.model, input=list(texts), encoding_format="float")
        log.info(
            "llm.call",
            decision=decision,
            model=response.model,
            latency_ms=_since(started),
            texts=len(texts),
            prompt_tokens=_tokens(response).prompt,
        )
        return response


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _tokens(response: CreateEmbeddingResponse) -> Tokens:
    """Embeddings bill their input only; a server that leaves the count out bills it as 0."""
    return Tokens(prompt=(response.usage.prompt_tokens or 0) if response.usage else 0)


def _vectors(response: CreateEmbeddingResponse, texts: int) -> list[list[float]]:
    data = sorted(response.data, key=lambda d: d.index)
    if [d.index for d in data] != list(range(texts)) or not all(d.embedding for d in data):
        raise ModelFailure(f"expected {texts} embeddings, got {len(data)}")
    return [d.embedding for d in data]
