"""EvolutionGateway against the fake Evolution API over real HTTP: how each outcome of a send is
classified, and how an earlier send is found again."""

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.evolution.gateway import EvolutionGateway, make_client
from application.gateway import DeliveryFailed
from domain.channel import Channel
from tests.fakes.evolution_server import FakeEvolution, failure, not_on_whatsapp, server_error, slow

TOKEN = "fake-instance-token"
PHONE = "5511999990001"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeEvolution]:
    with FakeEvolution(instances={"cs-bot": TOKEN}) as fake:
        yield fake


@pytest.fixture
def evolution(server: FakeEvolution) -> FakeEvolution:
    server.reset()
    server.save_messages = True
    return server


@pytest.fixture
def channel(evolution: FakeEvolution) -> Channel:
    return Channel(tenant_id=uuid.uuid4(), name="cs-bot", kind="evolution", api_url=evolution.base_url, api_key=TOKEN)


@pytest.fixture
async def gateway() -> AsyncIterator[EvolutionGateway]:
    async with make_client(0.5) as http:
        yield EvolutionGateway(http)


def _an_hour_ago() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


class TestSend:
    async def test_returns_the_message_id(self, evolution, gateway, channel):
        assert await gateway.send(channel, PHONE, "Olá!") == evolution.sent[0]["key"]["id"]

    @pytest.mark.parametrize(("reply", "retryable", "maybe_sent"), [
        (server_error(), True, True),
        (failure(400, ["Error: Timed Out"]), True, True),
        (failure(429, "Too Many Requests"), True, False),
        (not_on_whatsapp(), False, False),
        (failure(401, "Unauthorized"), False, False),
    ])
    async def test_classifies_failures(self, evolution, gateway, channel, reply, retryable, maybe_sent):
        evolution.plan(reply)
        with pytest.raises(DeliveryFailed) as failed:
            await gateway.send(channel, PHONE, "Olá!")
        assert (failed.value.retryable, failed.value.maybe_sent) == (retryable, maybe_sent)

    async def test_a_timeout_may_have_sent(self, evolution, gateway, channel):
        evolution.plan(slow(1.0))
        with pytest.raises(DeliveryFailed) as failed:
            await gateway.send(channel, PHONE, "Olá!")
        assert failed.value.retryable and failed.value.maybe_sent
        await evolution_catches_up(evolution, 1)  # it did go out, after the client gave up

    async def test_a_refused_connection_did_not_send(self, gateway, channel):
        closed = Channel(tenant_id=channel.tenant_id, name="cs-bot", kind="evolution", api_url="http://127.0.0.1:9", api_key=TOKEN)
        with pytest.raises(DeliveryFailed) as failed:
            await gateway.send(closed, PHONE, "Olá!")
        assert failed.value.retryable and not failed.value.maybe_sent


class TestFindSent:
    async def test_finds_a_send_whose_answer_was_lost(self, evolution, gateway, channel):
        evolution.plan(slow(0.8))
        with pytest.raises(DeliveryFailed):
            await gateway.send(channel, PHONE, "Nossa aula começa às 19h.")
        await evolution_catches_up(evolution, 1)
        found = await gateway.find_sent(channel, PHONE, "Nossa aula começa às 19h.", _an_hour_ago())
        assert found == [evolution.sent[0]["key"]["id"]]

    async def test_only_that_text_to_that_number(self, evolution, gateway, channel):
        ids = [await gateway.send(channel, PHONE, "Oi!") for _ in range(2)]
        await gateway.send(channel, "5511999990002", "Oi!")
        await gateway.send(channel, PHONE, "Oi! Tudo bem?")
        assert sorted(await gateway.find_sent(channel, PHONE, "Oi!", _an_hour_ago())) == sorted(ids)

    async def test_a_brazilian_number_stored_without_its_ninth_digit(self, evolution, gateway, channel):
        # createJid() drops the ninth digit of DDD 31+ mobiles: the stored chat is 553188887777.
        sent_id = await gateway.send(channel, "5531988887777", "Até amanhã!")
        assert evolution.sent[0]["key"]["remoteJid"] == "553188887777@s.whatsapp.net"
        assert await gateway.find_sent(channel, "5531988887777", "Até amanhã!", _an_hour_ago()) == [sent_id]

    async def test_not_what_was_sent_before_the_attempt(self, evolution, gateway, channel):
        await gateway.send(channel, PHONE, "Oi!")
        assert await gateway.find_sent(channel, PHONE, "Oi!", dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)) == []

    async def test_nothing_when_evolution_keeps_no_messages(self, evolution, gateway, channel):
        evolution.save_messages = False
        await gateway.send(channel, PHONE, "Oi!")
        assert await gateway.find_sent(channel, PHONE, "Oi!", _an_hour_ago()) == []

    async def test_a_failed_lookup_is_retryable(self, evolution, gateway, channel):
        evolution.plan_lookups(server_error())
        with pytest.raises(DeliveryFailed) as failed:
            await gateway.find_sent(channel, PHONE, "Oi!", _an_hour_ago())
        assert failed.value.retryable


async def evolution_catches_up(evolution: FakeEvolution, count: int) -> None:
    """The fake finishes a slow send after the client gave up; wait for it."""
    for _ in range(100):
        if len(evolution.sent) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the fake never sent the message")
