"""EvolutionGateway against the fake Evolution API over real HTTP: how each outcome of a send is
classified, and how an earlier send is found again."""

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.evolution.gateway import LOOKUP_PAGE, LOOKUP_PAGES, EvolutionGateway, make_client
from application.gateway import DeliveryFailed
from domain.channel import Channel
from tests.fakes.evolution_server import FakeEvolution, Reply, failure, not_on_whatsapp, server_error, slow

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

    @pytest.mark.parametrize(
        ("reply", "retryable", "maybe_sent"),
        [
            (server_error(), True, True),
            (failure(400, ["Error: Timed Out"]), True, True),
            (failure(429, "Too Many Requests"), True, False),
            (not_on_whatsapp(), False, False),
            (failure(401, "Unauthorized"), False, False),
        ],
    )
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

    # Under load other members' replies go out between the attempt and its lookup (seen from outside:
    # after a kill -9 with 200 members, each duplicated reply had 101-105 newer sends ahead of it).
    # Evolution stores a send under the JID WhatsApp knows the account by (onWhatsApp); for a
    # Brazilian mobile that is either ninth-digit form, whichever form the number was sent as.
    @pytest.mark.parametrize(
        ("recipient", "account", "stored"),
        [
            ("5511999990001", None, "5511999990001@s.whatsapp.net"),
            ("5531988887777", None, "553188887777@s.whatsapp.net"),  # createJid drops it for DDD 31+
            ("5531988887777", "5531988887777@s.whatsapp.net", "5531988887777@s.whatsapp.net"),  # a newer account
            ("553188887777", "5531988887777@s.whatsapp.net", "5531988887777@s.whatsapp.net"),  # written the old way
            ("551199990001", "5511999990001@s.whatsapp.net", "5511999990001@s.whatsapp.net"),
            ("123456789012345@lid", None, "123456789012345@lid"),
        ],
    )
    async def test_finds_it_in_the_chat_it_was_stored_under(self, evolution, gateway, channel, recipient, account, stored):
        if account is not None:
            evolution.accounts[recipient] = account
        since = dt.datetime.now(dt.UTC)
        wanted = await gateway.send(channel, recipient, "Até amanhã!")
        for i in range(LOOKUP_PAGE + 5):
            await gateway.send(channel, f"5511988{i:06d}", "Até amanhã!")
        assert evolution.sent[0]["key"]["remoteJid"] == stored
        assert await gateway.find_sent(channel, recipient, "Até amanhã!", since) == [wanted]

    async def test_pages_through_the_member_chat(self, evolution, gateway, channel):
        since = dt.datetime.now(dt.UTC)
        wanted = await gateway.send(channel, PHONE, "Oi!")
        for i in range(LOOKUP_PAGE + 5):
            await gateway.send(channel, PHONE, f"Aviso {i}")
        assert await gateway.find_sent(channel, PHONE, "Oi!", since) == [wanted]

    async def test_reads_a_bounded_number_of_pages(self, evolution, gateway, channel):
        # An Evolution that ignores `page` answers the same newest records again and again.
        wanted = await gateway.send(channel, PHONE, "Oi!")
        endless = {"messages": {"total": 10**6, "pages": 10**4, "currentPage": 1, "records": [evolution.sent[0]] * LOOKUP_PAGE}}
        chats = 2  # PHONE with and without its ninth digit
        evolution.plan_lookups(*[Reply(status=200, body=endless)] * (chats * LOOKUP_PAGES))
        assert await gateway.find_sent(channel, PHONE, "Oi!", _an_hour_ago()) == [wanted]
        assert len(evolution.lookups()) == chats * LOOKUP_PAGES

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
