"""What the model calls cost, as an operator reads it: `tatame stats` tables and `chat -v` lines."""

from collections.abc import Sequence
from decimal import Decimal

from application.model_usage import ModelCall
from application.usage_stats import DailyCalls, TurnCount, engine_of


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns as wide as their widest cell; text to the left, numbers to the right."""
    cells = [list(header), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [bool(rows) and all(isinstance(row[i], int) for row in rows) for i in range(len(header))]
    return [
        "  ".join(
            cell.rjust(width) if right else cell.ljust(width) for cell, width, right in zip(row, widths, numeric, strict=True)
        ).rstrip()
        for row in cells
    ]


def cost(usd: Decimal | None, unpriced: int) -> str:
    """Dollars of the priced calls, and how many calls had no price: unknown is not 0."""
    unknown = f"unknown ({unpriced} call{'s' if unpriced != 1 else ''})" if unpriced else ""
    if usd is None:
        return unknown or "0"
    return f"{usd:.6f}" + (f" + {unknown}" if unknown else "")


def stats_report(turns: Sequence[TurnCount], calls: Sequence[DailyCalls]) -> str:
    lines = ["turns (UTC days)"]
    if turns:
        lines += _table(["day", "route", "engine", "turns"], [[t.day, t.route, t.engine, t.turns] for t in turns])
    else:
        lines.append("none")
    lines += ["", "model calls"]
    if calls:
        lines += _table(
            ["day", "calls", "failed", "prompt tokens", "cached", "completion", "cost (USD)"],
            [
                [c.day, c.calls, c.failed, c.tokens.prompt, c.tokens.cached, c.tokens.completion, cost(c.cost_usd, c.unpriced)]
                for c in calls
            ],
        )
    else:
        lines.append("none")
    return "\n".join(lines)


def turn_calls(calls: Sequence[ModelCall]) -> str:
    """`chat -v`'s account of a turn, in the chat's language: the engine that answered it, then each
    call and its tokens."""
    described = [
        f"{call.decision} {call.outcome}: {call.tokens.prompt} tokens de entrada ({call.tokens.cached} em cache) + {call.tokens.completion} de saída"
        for call in calls
    ]
    return " · ".join([f"motor: {engine_of([call.outcome for call in calls])}", *described])
