"""Retrieval benchmark: recall@1 and recall@3 of the offline BM25 index on the default pack, and
how the offline answer step treats those questions and some the pack cannot answer.

Run from the repository root: `PYTHONPATH=src .venv/bin/python bench/retrieval.py [--answers]`.
With `--answers` it also prints the offline engine's reply to every question.
"""

import asyncio
import datetime as dt
import sys
from pathlib import Path

import yaml
from qdrant_client import AsyncQdrantClient

from adapters.knowledge_pack.loader import FileTenantPackSource
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.qdrant.index import QdrantKnowledgeIndex
from application.model_usage import Caller
from application.turn import TurnInput
from domain.tenant import Tenant

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
CASES = ROOT / "bench" / "data" / "retrieval.yaml"
TENANT = "ct-exemplo"
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))  # a Monday morning
DEPTH = 3
# Questions the default pack has no answer to: the answer step must return None for each.
OUT_OF_SCOPE = (
    "qual a capital da frança?",
    "vocês vendem whey?",
    "tem piscina?",
    "tem sauna ai?",
    "vcs tem aula de natação?",
    "tem aula de yoga?",
    "qual o melhor suplemento pra ganhar massa?",
    "vcs fazem festa de aniversario infantil?",
    "quem ganhou o jogo do corinthians ontem?",
    "aceita bitcoin?",
    "tem lanchonete no ct?",
    "qual a previsao do tempo pra amanha?",
    "vcs vendem creatina?",
    "tem quadra de tenis?",
    "me indica um bom dentista?",
)


async def main(show_answers: bool) -> None:
    pack = next(p for p in FileTenantPackSource(KNOWLEDGE).load_all() if p.tenant.slug == TENANT)
    index = QdrantKnowledgeIndex(AsyncQdrantClient(location=":memory:"), "bench")
    await index.sync(pack.tenant, pack.chunks)
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    labelled = [c for c in cases if c.get("section")]
    # A case labelled `section: null` is a question the pack does not answer.
    unanswerable = [*OUT_OF_SCOPE, *(c["question"] for c in cases if not c.get("section"))]
    await in_scope(index, pack.tenant, labelled, show_answers)
    await out_of_scope(index, pack.tenant, unanswerable, show_answers)


async def in_scope(index: QdrantKnowledgeIndex, tenant: Tenant, cases: list[dict], show_answers: bool) -> None:
    answerer = OfflineQuestionAnswerer()
    at1 = at3 = answered = grounded = 0
    for case in cases:
        found = await index.search(Caller(tenant), case["question"], DEPTH)
        labels = [f"{p.chunk.source}#{p.chunk.heading}" for p in found]
        rank = labels.index(case["section"]) + 1 if case["section"] in labels else None
        at1 += rank == 1
        at3 += rank is not None
        if rank != 1:
            print(f"{'MISS' if rank is None else f'@{rank}  '} {case['question']!r}\n      want {case['section']}")
            for label, passage in zip(labels, found, strict=True):
                print(f"      got  {passage.score:6.2f} {label}")
        reply = (await answerer.answer(TurnInput(text=case["question"], tenant=tenant, now=NOW), found)).text
        answered += reply is not None
        wanted = next((p.chunk.text for p, label in zip(found, labels, strict=True) if label == case["section"]), None)
        grounded += reply is not None and wanted is not None and reply[:60] in wanted
        if reply is None or show_answers:
            print(f"{'NO ANSWER' if reply is None else 'ANSWER'} {case['question']!r}\n      {reply}")
    n = len(cases)
    print(f"\n{n} questions  recall@1 {at1 / n:.3f}  recall@{DEPTH} {at3 / n:.3f}")
    print(f"answer step: answered {answered}/{n}, {grounded} of them from the labelled section; the rest would get the no-answer reply")


async def out_of_scope(index: QdrantKnowledgeIndex, tenant: Tenant, questions: list[str], show_answers: bool) -> None:
    answerer = OfflineQuestionAnswerer()
    answered = 0
    for question in questions:
        found = await index.search(Caller(tenant), question, DEPTH)
        reply = (await answerer.answer(TurnInput(text=question, tenant=tenant, now=NOW), found)).text
        answered += reply is not None
        if reply is not None or show_answers:
            print(f"OUT OF SCOPE {'ANSWERED' if reply else 'ok'} {question!r}\n      {reply}")
    print(f"out of scope: answered {answered}/{len(questions)} (should be 0)")


if __name__ == "__main__":
    asyncio.run(main("--answers" in sys.argv[1:]))
