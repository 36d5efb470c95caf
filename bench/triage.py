"""Triage benchmark: accuracy and per-route precision/recall of the offline engine's triage.

Run from the repository root: `PYTHONPATH=src .venv/bin/python bench/triage.py`.
Every message is triaged alone, as the first message of a conversation (no history, no flow state).
"""

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path

import yaml

from adapters.knowledge_pack.loader import FileTenantPackSource
from adapters.offline.triage import OfflineTriager
from application.turn import TurnInput
from domain.route import Route

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
CASES = ROOT / "bench" / "data" / "triage.yaml"
TENANT = "ct-exemplo"
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))  # a Monday morning


async def main() -> None:
    tenant = next(p.tenant for p in FileTenantPackSource(KNOWLEDGE).load_all() if p.tenant.slug == TENANT)
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    triager = OfflineTriager()
    pairs: list[tuple[str, str]] = []
    for case in cases:
        triage = await triager.triage(TurnInput(text=case["message"], tenant=tenant, now=NOW))
        pairs.append((case["route"], triage.route.value))
        if triage.route.value != case["route"]:
            detail = f" (paid_service={triage.paid_service!r})" if triage.paid_service else ""
            print(f"want {case['route']:<9} got {triage.route.value:<9}{detail}  {case['message']!r}")
    correct = sum(want == got for want, got in pairs)
    print(f"\n{len(pairs)} messages  accuracy {correct / len(pairs):.3f}\n")
    wanted, got = Counter(w for w, _ in pairs), Counter(g for _, g in pairs)
    hits = Counter(w for w, g in pairs if w == g)
    print(f"{'route':<10} {'n':>4} {'precision':>10} {'recall':>8}")
    for route in (r.value for r in Route if r is not Route.PAUSED):
        precision = hits[route] / got[route] if got[route] else float("nan")
        recall = hits[route] / wanted[route] if wanted[route] else float("nan")
        print(f"{route:<10} {wanted[route]:>4} {precision:>10.3f} {recall:>8.3f}")


if __name__ == "__main__":
    asyncio.run(main())
