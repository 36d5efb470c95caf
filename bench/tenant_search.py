"""Search latency with many tenants in the index: p50/p95 of `QdrantKnowledgeIndex.search` for one
tenant's questions when the index holds that tenant alone, and when it holds 50 tenants of 30
sections each; with all tenants in one collection, then with a collection per tenant. Qdrant local
mode (the embedded default) unless QDRANT_URL names a server.

Run from the repository root: `PYTHONPATH=src [QDRANT_URL=...] .venv/bin/python bench/tenant_search.py`.
"""

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import attrs
import yaml
from qdrant_client import AsyncQdrantClient

from adapters.knowledge_pack.loader import FileTenantPackSource
from adapters.qdrant.index import QdrantKnowledgeIndex
from application.model_usage import Caller
from domain.tenant import Tenant

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [c["question"] for c in yaml.safe_load((ROOT / "bench" / "data" / "retrieval.yaml").read_text(encoding="utf-8"))]
SECTIONS = 30
TENANTS = 50
ROUNDS = 3  # every question this many times, after one warm-up round


def percentile(samples: list[float], share: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(share * len(samples)))]


async def timed(index: QdrantKnowledgeIndex, tenant: Tenant) -> list[float]:
    caller = Caller(tenant)
    for question in QUESTIONS:
        await index.search(caller, question, 3)
    samples = []
    for _ in range(ROUNDS):
        for question in QUESTIONS:
            started = time.perf_counter()
            await index.search(caller, question, 3)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def measure(client: AsyncQdrantClient, collection: str, tenants: int, per_tenant: bool) -> list[float]:
    pack = next(p for p in FileTenantPackSource(ROOT / "knowledge").load_all() if p.tenant.slug == "ct-exemplo")
    chunks = list(pack.chunks)[:SECTIONS]
    index = QdrantKnowledgeIndex(client, collection, collection_per_tenant=per_tenant)
    asking = None
    for n in range(tenants):
        tenant = Tenant(slug=f"ct-{n:02d}", name=f"CT {n}")
        await index.sync(tenant, [attrs.evolve(c, tenant=tenant.slug) for c in chunks])
        asking = asking or tenant
    assert asking is not None
    return await timed(index, asking)


async def main() -> None:
    url = os.environ.get("QDRANT_URL")
    with tempfile.TemporaryDirectory() as folder:
        client = AsyncQdrantClient(url=url) if url else AsyncQdrantClient(path=folder)
        try:
            print(f"{'server ' + url if url else 'local mode'}: {len(QUESTIONS)} questions x {ROUNDS}, {SECTIONS} sections a tenant")
            for per_tenant in (False, True):
                layout = "a collection per tenant" if per_tenant else "one shared collection"
                results = {}
                for tenants in (1, TENANTS):
                    collection = f"bench_{tenants}"
                    samples = await measure(client, collection, tenants, per_tenant)
                    results[tenants] = samples
                    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
                    print(f"{layout}, {tenants:>2} tenant(s), {tenants * SECTIONS:>4} points: search p50 {p50:.2f} ms, p95 {p95:.2f} ms")
                    for name in [c.name for c in (await client.get_collections()).collections if c.name.startswith(collection)]:
                        await client.delete_collection(name)
                ratio = percentile(results[TENANTS], 0.95) / percentile(results[1], 0.95)
                print(f"{layout}: p95 with {TENANTS} tenants / with 1: {ratio:.2f} (target <= 1.20)")
        finally:
            await client.close()


if __name__ == "__main__":
    asyncio.run(main())
