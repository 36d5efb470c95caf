"""A member writes again while the bot is still thinking about the burst: the half answer is not
sent; one reply covers both messages."""

import asyncio

import pytest
from dishka import Provider, Scope, provide

from adapters.offline.triage import OfflineTriager
from application.triage import Triage, Triager
from application.turn import TurnInput
from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.whatsapp import INSTANCE, TOKEN, ShiftedClock, running_service, service_settings, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution

THINKING = 1.0


FIRST = "oi, tudo bem? (lento)"
SECOND = "quanto custa o plano mensal?"
SEEN: list[str] = []


class SlowToTriage(OfflineTriager):
    """The offline triage, taking its time over the first message alone: room for a second one."""

    async def triage(self, turn: TurnInput) -> Triage:
        SEEN.append(turn.text)
        if turn.text == FIRST:
            await asyncio.sleep(THINKING)
        return await super().triage(turn)


class SlowTriageProvider(Provider):
    triager = provide(SlowToTriage, provides=Triager, scope=Scope.APP)


@pytest.fixture
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


async def test_a_message_during_the_turn_gets_one_reply_covering_both(database_url, evolution, tmp_path):
    base = Settings(database_url=database_url, data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge")
    phone = "5511975550001"
    async for service in running_service(service_settings(base, evolution), ShiftedClock(), SlowTriageProvider()):
        await service.post(text_message(phone, FIRST))
        await asyncio.sleep(0.4 + THINKING / 2)  # the window closed, the engine is thinking
        await service.post(text_message(phone, SECOND))
        [reply] = await wait_for_replies(evolution, phone, 1, timeout=10, settle=1.5)
        assert "R$ 189" in reply
        assert SEEN.count(FIRST) == 1 and f"{FIRST}\n{SECOND}" in SEEN
