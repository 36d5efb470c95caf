"""Search latency with many tenants in the index: p50/p95 of `QdrantKnowledgeIndex.search` for one
tenant's questions when the index holds that tenant alone, and when it holds 50 tenants of 30
sections each; with all tenants in one collection, then with a collection per tenant. Qdrant local
mode (the embedded default) unless QDRANT_URL names a server.

The two indexes are searched in turns, question by question, so that whatever else the machine is
doing weighs on both alike: the ratio of their p95 is the figure, more than either p95.

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
ROUNDS = 5  # every question this many times on each index, after one warm-up round
TARGET = 1.2  # other tenants' data may slow a tenant's search by 20% at most


def percentile(samples: list[float], share: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(share * len(samples)))]


def client(folder: str) -> AsyncQdrantClient:
    url = os.environ.get("QDRANT_URL")
    return AsyncQdrantClient(url=url) if url else AsyncQdrantClient(path=folder)


async def filled(qdrant: AsyncQdrantClient, collection: str, tenants: int, per_tenant: bool) -> tuple[QdrantKnowledgeIndex, Tenant]:
    """An index of `tenants` tenants holding the default pack's first sections each; the first one asks."""
    pack = next(p for p in FileTenantPackSource(ROOT / "knowledge").load_all() if p.tenant.slug == "ct-exemplo")
    chunks = list(pack.chunks)[:SECTIONS]
    index = QdrantKnowledgeIndex(qdrant, collection, collection_per_tenant=per_tenant)
    asking = [Tenant(slug=f"ct-{n:02d}", name=f"CT {n}") for n in range(tenants)]
    for tenant in asking:
        await index.sync(tenant, [attrs.evolve(c, tenant=tenant.slug) for c in chunks])
    return index, asking[0]


async def timed(index: QdrantKnowledgeIndex, tenant: Tenant, question: str) -> float:
    started = time.perf_counter()
    await index.search(Caller(tenant), question, 3)
    return (time.perf_counter() - started) * 1000


async def compare(per_tenant: bool) -> None:
    layout = "a collection per tenant" if per_tenant else "one shared collection"
    with tempfile.TemporaryDirectory() as alone_folder, tempfile.TemporaryDirectory() as crowded_folder:
        alone_client, crowded_client = client(alone_folder), client(crowded_folder)
        try:
            alone = await filled(alone_client, "bench_alone", 1, per_tenant)
            crowded = await filled(crowded_client, "bench_crowded", TENANTS, per_tenant)
            for question in QUESTIONS:
                await timed(*alone, question)
                await timed(*crowded, question)
            samples: dict[str, list[float]] = {"alone": [], "crowded": []}
            for _ in range(ROUNDS):
                for question in QUESTIONS:
                    samples["alone"].append(await timed(*alone, question))
                    samples["crowded"].append(await timed(*crowded, question))
            for name, tenants in (("alone", 1), ("crowded", TENANTS)):
                p50, p95 = statistics.median(samples[name]), percentile(samples[name], 0.95)
                print(f"{layout}, {tenants:>2} tenant(s), {tenants * SECTIONS:>4} points: search p50 {p50:6.2f} ms, p95 {p95:6.2f} ms")
            ratio = percentile(samples["crowded"], 0.95) / percentile(samples["alone"], 0.95)
            print(f"{layout}: p95 with {TENANTS} tenants / with 1: {ratio:.2f} (target <= {TARGET:.2f})")
        finally:
            for qdrant in (alone_client, crowded_client):
                for name in [c.name for c in (await qdrant.get_collections()).collections if c.name.startswith("bench_")]:
                    await qdrant.delete_collection(name)
                await qdrant.close()


async def main() -> None:
    where = f"server {os.environ['QDRANT_URL']}" if os.environ.get("QDRANT_URL") else "local mode"
    print(f"{where}: {len(QUESTIONS)} questions x {ROUNDS} on each index, {SECTIONS} sections a tenant")
    for per_tenant in (False, True):
        await compare(per_tenant)


if __name__ == "__main__":
    asyncio.run(main())
