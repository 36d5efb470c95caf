import time
import uuid
import warnings
from collections.abc import Sequence

import attrs
from qdrant_client import AsyncQdrantClient, models

from adapters.bm25.sparse import ENCODER_VERSION, SparseVector, Vocabulary, document_vector, query_vector
from application.embedder import Embedder
from application.knowledge_index import Passage, SyncReport
from domain.knowledge import Chunk

SPARSE = "bm25"
DENSE = "dense"
_NAMESPACE = uuid.UUID("6f1c0a0e-3b7e-4d4a-9a57-7a7a7e7a7e01")
# A tenant's vocabulary is learned from the chunks this process syncs, or read back from the index
# on its first search. Another process sharing a Qdrant server may sync the tenant meanwhile, so the
# vocabulary is read again once it is this old (until then new words only miss typo tolerance).
VOCABULARY_SECONDS = 300.0


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=list(vector.indices), values=list(vector.values))


def _tenant_filter(tenant: str) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key="tenant", match=models.MatchValue(value=tenant))])


def _point_id(chunk: Chunk) -> str:
    return str(uuid.uuid5(_NAMESPACE, chunk.key))


def _indexed_hash(chunk: Chunk) -> str:
    # A new encoder (analyzer, weights) changes every vector: the chunk must count as changed.
    return f"{ENCODER_VERSION}:{chunk.content_hash}"


def _layout(heading: str, text: str) -> str:
    return f"{heading}\n{text}"


@attrs.define
class QdrantKnowledgeIndex:
    """All tenants share one collection; every query filters on the `tenant` payload field.
    BM25 sparse vectors always, with Qdrant's IDF modifier; dense vectors fused by RRF when an
    embedder is configured."""

    client: AsyncQdrantClient
    collection: str
    embedder: Embedder | None = None
    # tenant -> (time.monotonic() when learned, vocabulary): what `query_vector` corrects typos against.
    _vocabularies: dict[str, tuple[float, Vocabulary]] = attrs.field(factory=dict, init=False)

    async def ensure_collection(self) -> None:
        if await self.client.collection_exists(self.collection):
            return
        dense = {DENSE: models.VectorParams(size=self.embedder.dimensions, distance=models.Distance.COSINE)} if self.embedder else {}
        await self.client.create_collection(
            self.collection,
            vectors_config=dense,
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():
            # Local mode ignores payload indexes and says so; a Qdrant server needs this one.
            warnings.simplefilter("ignore", UserWarning)
            await self.client.create_payload_index(self.collection, "tenant", models.PayloadSchemaType.KEYWORD)

    async def _payloads(self, tenant: str, fields: list[str]) -> dict[str, dict]:
        payloads: dict[str, dict] = {}
        offset = None
        while True:
            points, offset = await self.client.scroll(
                self.collection,
                scroll_filter=_tenant_filter(tenant),
                limit=256,
                offset=offset,
                with_payload=fields,
                with_vectors=False,
            )
            payloads.update({str(p.id): p.payload or {} for p in points})
            if offset is None:
                return payloads

    def _learn(self, tenant: str, texts: Sequence[str]) -> Vocabulary:
        vocabulary = Vocabulary.of(texts)
        self._vocabularies[tenant] = (time.monotonic(), vocabulary)
        return vocabulary

    async def _vocabulary(self, tenant: str) -> Vocabulary:
        learned = self._vocabularies.get(tenant)
        if learned is not None and time.monotonic() - learned[0] <= VOCABULARY_SECONDS:
            return learned[1]
        payloads = await self._payloads(tenant, ["heading", "text"])
        return self._learn(tenant, [_layout(p["heading"], p["text"]) for p in payloads.values()])

    async def sync(self, tenant: str, chunks: Sequence[Chunk]) -> SyncReport:
        await self.ensure_collection()
        indexed = {pid: p["hash"] for pid, p in (await self._payloads(tenant, ["hash"])).items()}
        wanted = {_point_id(c): c for c in chunks}
        changed = [c for pid, c in wanted.items() if indexed.get(pid) != _indexed_hash(c)]
        gone: list[models.ExtendedPointId] = [pid for pid in indexed if pid not in wanted]
        if changed:
            await self.client.upsert(self.collection, points=await self._points(changed), wait=True)
        if gone:
            await self.client.delete(self.collection, points_selector=models.PointIdsList(points=gone), wait=True)
        self._learn(tenant, [_layout(c.heading, c.text) for c in chunks])
        return SyncReport(indexed=len(changed), unchanged=len(wanted) - len(changed), removed=len(gone))

    async def _points(self, chunks: Sequence[Chunk]) -> list[models.PointStruct]:
        texts = [_layout(c.heading, c.text) for c in chunks]
        dense = await self.embedder.embed(texts) if self.embedder else [None] * len(chunks)
        return [
            models.PointStruct(
                id=_point_id(chunk),
                vector={SPARSE: _sparse(document_vector(text)), **({DENSE: vector} if vector else {})},
                payload={**attrs.asdict(chunk), "hash": _indexed_hash(chunk)},
            )
            for chunk, text, vector in zip(chunks, texts, dense, strict=True)
        ]

    async def search(self, tenant: str, query: str, limit: int) -> Sequence[Passage]:
        if not await self.client.collection_exists(self.collection):
            return []
        sparse = query_vector(query, await self._vocabulary(tenant))
        if not sparse.indices:
            return []
        if self.embedder is None:
            response = await self.client.query_points(
                self.collection,
                query=_sparse(sparse),
                using=SPARSE,
                query_filter=_tenant_filter(tenant),
                limit=limit,
                with_payload=True,
            )
        else:
            [dense] = await self.embedder.embed([query])
            response = await self.client.query_points(
                self.collection,
                prefetch=[
                    models.Prefetch(query=_sparse(sparse), using=SPARSE, filter=_tenant_filter(tenant), limit=limit * 4),
                    models.Prefetch(query=dense, using=DENSE, filter=_tenant_filter(tenant), limit=limit * 4),
                ],
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=limit,
                with_payload=True,
            )
        return [
            Passage(chunk=Chunk(**{k: (p.payload or {})[k] for k in ("tenant", "source", "heading", "text")}), score=p.score)
            for p in response.points
        ]
