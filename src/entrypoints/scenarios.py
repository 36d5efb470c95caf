"""Runs scenario files against the real stack: each in a fresh conversation, on its own clock."""

import datetime as dt
import io
import random
from collections.abc import Callable

import attrs
import sqlalchemy as sa
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.bm25.analyzer import fold
from adapters.clock import SettableClock
from adapters.postgres.row_security import system_connection
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.handle_turn import TurnResult
from application.ingest_knowledge import cli_channel_name
from application.unit_of_work import UnitOfWork
from domain.phone import Phone
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.requests import in_request
from entrypoints.scenario_file import Expect, Scenario
from entrypoints.settings import Settings
from entrypoints.startup import prepare


@attrs.frozen
class Outcome:
    scenario: Scenario
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def _normal(text: str) -> str:
    return " ".join(fold(text).split())


def check_step(expect: Expect, result: TurnResult | None) -> list[str]:
    route = result.route if result else None
    reply = (result.reply if result else None) or ""
    failures = []
    if expect.route is not None and route is not expect.route:
        failures.append(f"route: expected {expect.route}, got {route}")
    failures += [f"reply lacks {text!r}" for text in expect.reply_contains if _normal(text) not in _normal(reply)]
    failures += [f"reply has {text!r}" for text in expect.reply_not_contains if _normal(text) in _normal(reply)]
    if failures and reply:
        failures.append(f"reply was {reply!r}")
    return failures


# A number no real member has (country 55, area code 00): each scenario starts a fresh conversation.
SCENARIO_PREFIX = "5500"


def random_phone() -> Phone:
    return Phone(SCENARIO_PREFIX + "".join(random.choices("0123456789", k=9)))


@attrs.define
class ScenarioRunner:
    settings: Settings
    default_now: dt.datetime | None = None
    clock: SettableClock = attrs.field(factory=lambda: SettableClock(dt.datetime.now(dt.UTC)))
    _container: AsyncContainer | None = None
    tenants: list[str] = attrs.field(factory=list)

    @property
    def container(self) -> AsyncContainer:
        if self._container is None:
            raise RuntimeError("the runner has not started")
        return self._container

    def _new_container(self) -> AsyncContainer:
        # Each scenario step is a turn of its own, as in the terminal: no buffer window.
        settings = attrs.evolve(self.settings, buffer_window=0.0, buffer_max=0.0)
        return make_container(settings, Gateways(TerminalGateway(io.StringIO())), self.clock)

    async def start(self) -> None:
        self._container = self._new_container()
        self.tenants = [t.slug for t in await prepare(self.container)]
        await self._forget_earlier_runs()

    async def _forget_earlier_runs(self) -> None:
        """Scenario members have phones no real member has (55 00 ...). Their bookings from earlier
        runs on the same database would fill classes and change what later runs hear."""
        engine = await self.container.get(AsyncEngine)
        # Every tenant's scenario members, whichever packs earlier runs had.
        async with system_connection(engine, commit=True) as connection:
            await connection.execute(
                sa.text("DELETE FROM trial_classes WHERE client_id IN (SELECT id FROM clients WHERE phone LIKE :prefix)"),
                {"prefix": f"{SCENARIO_PREFIX}%"},
            )

    async def close(self) -> None:
        if self._container is not None:
            await self._container.close()
            self._container = None

    async def _restart(self, conversation: TerminalConversation) -> None:
        await self.close()
        self._container = self._new_container()
        conversation.container = self._container

    def _tenant(self, scenario: Scenario) -> str:
        if scenario.tenant:
            if scenario.tenant not in self.tenants:
                raise LookupError(f"tenant {scenario.tenant!r} is not among the packs ({', '.join(self.tenants)})")
            return scenario.tenant
        if len(self.tenants) != 1:
            raise LookupError(f"set `tenant:`; the knowledge folder holds {len(self.tenants)} packs")
        return self.tenants[0]

    async def run(self, scenario: Scenario) -> Outcome:
        try:
            tenant = self._tenant(scenario)
        except LookupError as error:
            return Outcome(scenario, (str(error),))
        self.clock.current = scenario.now or self.default_now or dt.datetime.now(dt.UTC)
        conversation = TerminalConversation(self.container, cli_channel_name(tenant), random_phone())
        for number, step in enumerate(scenario.steps, start=1):
            if step.user is None:
                await self._restart(conversation)
                continue
            failures = check_step(step.expect, await conversation.say(step.user))
            if failures:
                return Outcome(scenario, tuple(f"step {number} ({step.user!r}): {f}" for f in failures))
        return Outcome(scenario, tuple(await self._check_after(scenario, conversation)))

    async def _check_after(self, scenario: Scenario, conversation: TerminalConversation) -> list[str]:
        if not scenario.expect_after or conversation.received is None:
            return []
        received = conversation.received

        async def count(request: AsyncContainer) -> dict[str, int]:
            uow = await request.get(UnitOfWork)
            trials = await uow.trial_classes.for_conversation(received.tenant_id, received.conversation_id)
            escalations = await uow.escalations.for_conversation(received.tenant_id, received.conversation_id)
            return {"trial_classes": sum(t.status == "confirmed" for t in trials), "escalations": len(escalations)}

        actual = await in_request(self.container, count)
        return [
            f"after: expected {expected} {key}, found {actual[key]}"
            for key, expected in scenario.expect_after.items()
            if actual[key] != expected
        ]


async def run_all(
    scenarios: list[Scenario], settings: Settings, default_now: dt.datetime | None, report: Callable[[Outcome], None]
) -> list[Outcome]:
    runner = ScenarioRunner(settings, default_now)
    await runner.start()
    try:
        outcomes = []
        for scenario in scenarios:
            outcome = await runner.run(scenario)
            report(outcome)
            outcomes.append(outcome)
        return outcomes
    finally:
        await runner.close()


def describe(outcome: Outcome) -> str:
    if outcome.passed:
        return f"PASS  {outcome.scenario.name}"
    return f"FAIL  {outcome.scenario.name} [{outcome.scenario.file}]: " + "; ".join(outcome.failures)
