"""What an operator reads: a cost that is partly unknown says so, and the tables line up."""

import datetime as dt
import uuid
from decimal import Decimal

from application.model_usage import ModelCall
from application.pricing import Tokens
from application.usage_stats import DailyCalls, Engine, TurnCount
from entrypoints.usage import cost, stats_report, turn_calls

DAY = dt.date(2026, 3, 2)


def test_an_unknown_cost_is_never_shown_as_zero():
    assert cost(Decimal("0.0001234"), 0) == "0.000123"
    assert cost(None, 3) == "unknown (3 calls)"
    assert cost(Decimal("0.5"), 1) == "0.500000 + unknown (1 call)"
    assert cost(None, 0) == "0"


def test_the_stats_tables():
    report = stats_report(
        [TurnCount(DAY, "faq", Engine.MODEL, 12), TurnCount(DAY, "smalltalk", Engine.OFFLINE, 3)],
        [DailyCalls(DAY, calls=13, failed=1, tokens=Tokens(prompt=15000, cached=1024, completion=900), cost_usd=None, unpriced=13)],
    )
    assert report.splitlines() == [
        "turns (UTC days)",
        "day         route      engine   turns",
        "2026-03-02  faq        model       12",
        "2026-03-02  smalltalk  offline      3",
        "",
        "model calls",
        "day         calls  failed  prompt tokens  cached  completion  cost (USD)",
        "2026-03-02     13       1          15000    1024         900  unknown (13 calls)",
    ]


def test_a_turns_calls_and_the_engine_they_make():
    def call(decision: str, outcome: str) -> ModelCall:
        return ModelCall(
            tenant_id=uuid.uuid4(),
            conversation_id=None,
            message_id=None,
            decision=decision,
            model="m",
            tokens=Tokens(prompt=300, completion=20),
            latency_ms=1,
            outcome=outcome,
            cost_usd=None,
            price_version="v",
            created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        )

    assert turn_calls([]) == "motor: offline"
    assert turn_calls([call("triage", "ok"), call("faq_answer", "timeout")]) == (
        "motor: fallback · triage ok: 300 tokens de entrada (0 em cache) + 20 de saída"
        " · faq_answer timeout: 300 tokens de entrada (0 em cache) + 20 de saída"
    )
