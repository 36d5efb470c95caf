"""What `tatame eval` prints and writes: a line per question, the median reply length, the counts."""

import json
import statistics
from collections.abc import Sequence
from pathlib import Path

from entrypoints.eval_grading import Verdict
from entrypoints.eval_run import Outcome

SHORT_REPLY = 160


def describe(outcome: Outcome, verbose: bool) -> str:
    """One line: verdict, question (after its history), reply (shortened unless verbose), and why it is wrong."""
    reply = " ".join((outcome.reply or "").split())
    if not verbose and len(reply) > SHORT_REPLY:
        reply = reply[: SHORT_REPLY - 1] + "…"
    after = f" (after {' / '.join(outcome.question.history)})" if outcome.question.history else ""
    why = f"  [{outcome.grade.reason}]" if outcome.grade.reason else ""
    return f"{outcome.grade.verdict:<9} {outcome.question.question}{after} -> {reply}{why}"


def answer_lengths(outcomes: Sequence[Outcome]) -> list[int]:
    """The length of every reply that is not the bot's "don't know": what a member reads as an answer."""
    return [len(o.reply) for o in outcomes if o.reply and o.grade.verdict is not Verdict.ABSTAINED]


def summary(outcomes: Sequence[Outcome]) -> list[str]:
    lengths = answer_lengths(outcomes)
    median = f"{statistics.median(lengths):.0f} characters over {len(lengths)} answers" if lengths else "no answers"
    counts = [sum(o.grade.verdict is v for o in outcomes) for v in Verdict]
    return [f"median reply length: {median}", ", ".join(f"{n} {v}" for n, v in zip(counts, Verdict, strict=True))]


def write_json(path: Path, outcomes: Sequence[Outcome]) -> None:
    lengths = answer_lengths(outcomes)
    document = {
        **{v.value: sum(o.grade.verdict is v for o in outcomes) for v in Verdict},
        "median_reply_length": statistics.median(lengths) if lengths else None,
        "questions": [
            {
                "file": str(o.file),
                "question": o.question.question,
                "history": list(o.question.history),
                "section": str(o.question.section) if o.question.section else None,
                "verdict": o.grade.verdict.value,
                "reason": o.grade.reason,
                "route": o.route.value if o.route else None,
                "reply": o.reply,
            }
            for o in outcomes
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
