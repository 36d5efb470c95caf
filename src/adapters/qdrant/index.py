import hashlib
import time
import uuid
import warnings
from collections.abc import Sequence
from typing import Any

import attrs
import structlog
from qdrant_client import AsyncQdrantClient, models

from adapters.bm25.sparse import ENCODER_VERSION, SparseVector, Vocabulary, document_vector, query_vector
from adapters.fallback import decide
from adapters.openai.failure import ModelFailure
from application.embedder import QUERY_EMBEDDING, Embedder
from application.knowledge_index import KnowledgeSyncFailed, Passage, SyncReport
from application.model_usage import Caller
from domain.knowledge import Chunk
from domain.tenant import Tenant

log = structlog.get_logger(__name__)

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


def _indexed_hash(chunk: Chunk, embedding_model: str | None) -> str:
    # A new encoder (analyzer, weights) changes every vector, and so does another embedding model or
    # none: the chunk must count as changed. Without a model the hash is the one indexes had before
    # dense vectors existed, so they are not rebuilt for nothing.
    lexical = f"{ENCODER_VERSION}:{chunk.content_hash}"
    return f"{lexical}:{embedding_model}" if embedding_model else lexical


def _layout(heading: str, text: str) -> str:
    return f"{heading}\n{text}"


def _version(hashes: dict[str, str]) -> str:
    """Of the tenant's points and their indexed hashes: what a sync changes, whichever process reads it."""
    listed = "\n".join(f"{pid}={hashes[pid]}" for pid in sorted(hashes))
    return hashlib.blake2b(listed.encode(), digest_size=12).hexdigest()


@attrs.frozen
class _Learned:
    """What the index knows of a tenant beside its points, learned when this process synced it or
    read back from the index (`time.monotonic()` then)."""

    at: float
    vocabulary: Vocabulary  # what `query_vector` corrects typos against
    version: str


@attrs.define
class QdrantKnowledgeIndex:
    """On a Qdrant server all tenants share the collection `collection`, whose tenant index keeps
    each tenant's points apart. Local mode evaluates every point of a collection at each search, so
    there (`collection_per_tenant`) each tenant has a collection of its own, `<collection>-<slug>`,
    and a tenant whose points are still in the shared collection (an index made before) has them
    moved on its next sync. Either way every query also filters on the `tenant` payload field.
    BM25 sparse vectors always, with Qdrant's IDF modifier; dense vectors fused by RRF when an
    embedder is configured."""

    client: AsyncQdrantClient
    collection: str
    embedder: Embedder | None = None
    collection_per_tenant: bool = False
    _learned: dict[str, _Learned] = attrs.field(factory=dict, init=False)

    def _collection(self, tenant: str) -> str:
        return f"{self.collection}-{tenant}" if self.collection_per_tenant else self.collection

    async def _dense_size(self, collection: str) -> int | None:
        """The size of the collection's dense vectors; None when it has none."""
        vectors = (await self.client.get_collection(collection)).config.params.vectors
        return vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None

    async def _fit_collection(self, collection: str, dense_size: int | None) -> bool:
        """Makes the collection exist and hold dense vectors of `dense_size` (None: any or none);
        True when it was made anew, empty. Qdrant cannot resize a named vector, nor add one to a
        collection, so vectors of another size mean a new collection: every chunk it held then
        counts as new and is indexed again by its tenant's next sync."""
        if await self.client.collection_exists(collection):
            held = await self._dense_size(collection)
            if dense_size is None or held == dense_size:
                return False
            log.warning("knowledge.reindex", reason=f"dense vectors of {held} dimensions, the embedding model gives {dense_size}")
            await self.client.delete_collection(collection)
        dense = {DENSE: models.VectorParams(size=dense_size, distance=models.Distance.COSINE)} if dense_size else {}
        await self.client.create_collection(
            collection,
            vectors_config=dense,
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():
            # Local mode ignores payload indexes and says so. A Qdrant server needs this one: every
            # search filters on the tenant, and `is_tenant` has it keep each tenant's points
            # together, so a search reads its tenant's points only, not everyone's.
            warnings.simplefilter("ignore", UserWarning)
            await self.client.create_payload_index(
                collection, "tenant", models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
            )
        return True

    async def _records(self, collection: str, tenant: str, fields: list[str] | bool, vectors: bool = False) -> list[models.Record]:
        records: list[models.Record] = []
        offset = None
        while True:
            points, offset = await self.client.scroll(
                collection, scroll_filter=_tenant_filter(tenant), limit=256, offset=offset, with_payload=fields, with_vectors=vectors
            )
            records += points
            if offset is None:
                return records

    async def _payloads(self, tenant: str, fields: list[str]) -> dict[str, dict]:
        """The tenant's points' `fields` by point id; none when its collection does not exist."""
        collection = self._collection(tenant)
        if not await self.client.collection_exists(collection):
            return {}
        return {str(p.id): p.payload or {} for p in await self._records(collection, tenant, fields)}

    async def _move_from_shared(self, tenant: str) -> None:
        """Moves the tenant's points, vectors and all (nothing is embedded again), from the collection
        all tenants shared into its own; the shared collection goes once the last tenant has left."""
        if not await self.client.collection_exists(self.collection):
            return
        points = await self._records(self.collection, tenant, True, vectors=True)
        if points:
            own = self._collection(tenant)
            await self._fit_collection(own, await self._dense_size(self.collection))
            await self.client.upsert(own, points=[_moved(p) for p in points], wait=True)
            await self.client.delete(self.collection, points_selector=models.FilterSelector(filter=_tenant_filter(tenant)), wait=True)
            log.info("knowledge.moved", tenant=tenant, points=len(points), collection=own)
        if (await self.client.count(self.collection, exact=True)).count == 0:
            await self.client.delete_collection(self.collection)

    def _learn(self, tenant: str, texts: Sequence[str], hashes: dict[str, str]) -> _Learned:
        learned = self._learned[tenant] = _Learned(at=time.monotonic(), vocabulary=Vocabulary.of(texts), version=_version(hashes))
        return learned

    async def _known(self, tenant: str) -> _Learned:
        learned = self._learned.get(tenant)
        if learned is not None and time.monotonic() - learned.at <= VOCABULARY_SECONDS:
            return learned
        payloads = await self._payloads(tenant, ["heading", "text", "hash"])
        return self._learn(
            tenant, [_layout(p["heading"], p["text"]) for p in payloads.values()], {pid: p["hash"] for pid, p in payloads.items()}
        )

    async def version(self, tenant: Tenant) -> str:
        # Read with the vocabulary: a sync by another process sharing a Qdrant server is seen within
        # VOCABULARY_SECONDS (a deployment's own ingest runs before its worker starts).
        return (await self._known(tenant.slug)).version

    def _hash(self, chunk: Chunk) -> str:
        return _indexed_hash(chunk, self.embedder.model if self.embedder else None)

    async def sync(self, tenant: Tenant, chunks: Sequence[Chunk]) -> SyncReport:
        if self.collection_per_tenant:
            await self._move_from_shared(tenant.slug)
        collection = self._collection(tenant.slug)
        indexed = {pid: p["hash"] for pid, p in (await self._payloads(tenant.slug, ["hash"])).items()}
        wanted = {_point_id(c): c for c in chunks}
        changed = {pid: c for pid, c in wanted.items() if indexed.get(pid) != self._hash(c)}
        gone: list[models.ExtendedPointId] = [pid for pid in indexed if pid not in wanted]
        # Every vector is asked for before anything is written: a model that fails leaves the tenant as it was.
        dense = await self._embed(tenant, list(changed.values()))
        if await self._fit_collection(collection, len(dense[0]) if dense else None):
            # Made anew: nothing of this tenant is left in it. A new model already changed every hash, so this
            # is empty unless a server changed its vectors' size under the same model name.
            rest = [c for pid, c in wanted.items() if pid not in changed]
            dense += await self._embed(tenant, rest)
            changed.update({_point_id(c): c for c in rest})
            gone = []
        if changed:
            await self.client.upsert(collection, points=self._points(list(changed.values()), dense), wait=True)
        if gone:
            await self.client.delete(collection, points_selector=models.PointIdsList(points=gone), wait=True)
        self._learn(tenant.slug, [_layout(c.heading, c.text) for c in chunks], {pid: self._hash(c) for pid, c in wanted.items()})
        return SyncReport(indexed=len(changed), unchanged=len(wanted) - len(changed), removed=len(gone))

    async def _embed(self, tenant: Tenant, chunks: Sequence[Chunk]) -> list[list[float]]:
        if self.embedder is None or not chunks:
            return []
        try:
            return await self.embedder.embed_sections(tenant, [_layout(c.heading, c.text) for c in chunks])
        except ModelFailure as failure:
            raise KnowledgeSyncFailed(
                f"the embedding model {self.embedder.model} failed ({failure.reason}) on the sections of {tenant.slug}, "
                "which were left as they were; run ingest again"
            ) from failure

    def _points(self, chunks: Sequence[Chunk], dense: Sequence[list[float]]) -> list[models.PointStruct]:
        return [
            models.PointStruct(
                id=_point_id(chunk),
                vector={SPARSE: _sparse(document_vector(_layout(chunk.heading, chunk.text))), **({DENSE: dense[i]} if dense else {})},
                payload={**attrs.asdict(chunk), "hash": self._hash(chunk)},
            )
            for i, chunk in enumerate(chunks)
        ]

    async def sections(self, tenant: str) -> Sequence[Chunk]:
        payloads = (await self._payloads(tenant, list(_CHUNK_FIELDS))).values()
        return sorted((_chunk(p) for p in payloads), key=lambda c: (c.source, c.heading))

    async def search(self, caller: Caller, query: str, limit: int) -> Sequence[Passage]:
        tenant = caller.tenant.slug
        if not await self.client.collection_exists(self._collection(tenant)):
            return []
        sparse = query_vector(query, (await self._known(tenant)).vocabulary)
        if self.embedder is None:
            return await self._lexical(tenant, sparse, limit)
        embedder = self.embedder
        # A model that fails, or that the tenant's ceiling or the circuit keeps from being called,
        # costs this query its dense half, never the turn.
        return await decide(
            QUERY_EMBEDDING,
            lambda: self._hybrid(caller, embedder, query, sparse, limit),
            lambda: self._lexical(tenant, sparse, limit),
        )

    async def _lexical(self, tenant: str, sparse: SparseVector, limit: int) -> Sequence[Passage]:
        if not sparse.indices:
            return []
        response = await self.client.query_points(
            self._collection(tenant),
            query=_sparse(sparse),
            using=SPARSE,
            query_filter=_tenant_filter(tenant),
            limit=limit,
            with_payload=True,
        )
        return _passages(response.points)

    async def _hybrid(self, caller: Caller, embedder: Embedder, query: str, sparse: SparseVector, limit: int) -> Sequence[Passage]:
        tenant = caller.tenant.slug
        dense = await embedder.embed_query(caller, query)
        # A query with no word of the tenant's vocabulary (a paraphrase) is still found by meaning.
        prefetch = [models.Prefetch(query=dense, using=DENSE, filter=_tenant_filter(tenant), limit=limit * 4)]
        if sparse.indices:
            prefetch.append(models.Prefetch(query=_sparse(sparse), using=SPARSE, filter=_tenant_filter(tenant), limit=limit * 4))
        response = await self.client.query_points(
            self._collection(tenant), prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.RRF), limit=limit, with_payload=True
        )
        return _passages(response.points)


_CHUNK_FIELDS = ("tenant", "source", "heading", "text")


def _chunk(payload: dict | None) -> Chunk:
    return Chunk(**{k: (payload or {})[k] for k in _CHUNK_FIELDS})


def _moved(record: models.Record) -> models.PointStruct:
    # Points of this index always hold named vectors (the sparse one at least).
    vectors: dict[str, Any] = dict(record.vector) if isinstance(record.vector, dict) else {}
    return models.PointStruct(id=record.id, vector=vectors, payload=record.payload)


def _passages(points: Sequence[models.ScoredPoint]) -> list[Passage]:
    return [Passage(chunk=_chunk(p.payload), score=p.score) for p in points]
