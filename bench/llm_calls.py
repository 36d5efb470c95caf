"""Model calls and prompt tokens per turn, over the scenario suite, with the engine `openai`.

    .venv/bin/python bench/llm_calls.py

Runs every scenario of tests/e2e/scenarios against the tests' fake OpenAI-compatible server, whose
scripted model answers as the offline engine would, and counts per turn the calls that reached it
and their prompt tokens. Tokens are estimated from the text sent (a token per 4 characters, plus 4
per message; the fake has no tokenizer), the same way for both columns. Side by side: a naive
two-call design on the same turns, a triage call (instructions, the whole conversation so far, the
message) and then an answer call (instructions, the whole conversation, the passages, the message).

Uses DATABASE_URL when set, else the embedded PostgreSQL, in a fresh temporary data folder."""

import asyncio
import math
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fake model server

from entrypoints.conversation import TerminalConversation
from entrypoints.logs import configure_logging
from entrypoints.scenario_file import load_scenario, scenario_files
from entrypoints.scenarios import ScenarioRunner
from entrypoints.settings import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.scripted_model import respond

SCENARIOS = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "scenarios"


def tokens(*texts: str) -> int:
    return sum(math.ceil(len(text) / 4) + 4 for text in texts)


class Turn:
    def __init__(self, route: str, requests: list[dict], transcript: list[str]) -> None:
        self.route = route
        self.calls = len(requests)
        self.prompt = sum(tokens(*(str(m["content"]) for m in r["messages"])) for r in requests)
        # The naive design sends the whole conversation in both calls, whatever this turn is.
        system = str(requests[0]["messages"][0]["content"]) if requests else ""
        last = str(requests[-1]["messages"][-1]["content"]) if requests else transcript[-1]
        self.naive = tokens(system, *transcript[:-1], transcript[-1]) + tokens(system, *transcript[:-1], last)


def figures(label: str, values: list[int]) -> str:
    if not values:
        return f"{label}: none"
    p95 = statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]
    return f"{label}: median {statistics.median(values):.0f}  p95 {p95:.0f}  max {max(values)}"


async def main() -> None:
    configure_logging("WARNING")
    turns: list[Turn] = []
    transcripts: dict[str, list[str]] = defaultdict(list)
    said = TerminalConversation.say

    with tempfile.TemporaryDirectory() as folder, FakeOpenAI(responder=respond) as fake:

        async def counting_say(conversation: TerminalConversation, text: str):  # type: ignore[no-untyped-def]
            transcript = transcripts[str(conversation.phone)]
            transcript.append(text)
            before = len(fake.requests)
            result = await said(conversation, text)
            turns.append(Turn(str(result.route) if result else "none", fake.requests[before:], transcript))
            if result and result.reply:
                transcript.append(result.reply)
            return result

        TerminalConversation.say = counting_say  # type: ignore[method-assign,assignment]
        from_env = Settings.from_env(env_file=None)
        settings = Settings(
            database_url=from_env.database_url,
            data_dir=Path(folder),
            knowledge_dir=from_env.knowledge_dir,
            openai_api_key="sk-bench",
            openai_base_url=fake.base_url,
        )
        runner = ScenarioRunner(settings)
        await runner.start()
        try:
            failed = [o for o in [await runner.run(load_scenario(f)) for f in scenario_files([SCENARIOS])] if not o.passed]
        finally:
            await runner.close()

    faq = [t for t in turns if t.route == "faq"]
    print(
        f"scenarios: {len(scenario_files([SCENARIOS]))} ({len(failed)} failed)  turns: {len(turns)}  model calls: {sum(t.calls for t in turns)}"
    )
    print(figures("calls per turn, all turns", [t.calls for t in turns]))
    print(figures("calls per FAQ turn", [t.calls for t in faq]))
    print(figures("prompt tokens per FAQ turn (this design)", [t.prompt for t in faq]))
    print(figures("prompt tokens per FAQ turn (naive two calls)", [t.naive for t in faq]))
    by_route: dict[str, list[int]] = defaultdict(list)
    for turn in turns:
        by_route[turn.route].append(turn.calls)
    for route, calls in sorted(by_route.items()):
        print(f"  {route:10} turns {len(calls):4}  calls {sum(calls):4}  max per turn {max(calls)}")


if __name__ == "__main__":
    asyncio.run(main())
