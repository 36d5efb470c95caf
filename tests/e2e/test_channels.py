"""Many centers, many numbers, through the webhook: two WhatsApp numbers (Evolution instances, on
two Evolution servers, each with its own key) of one center and one number of another. Each
reply leaves through the instance its member wrote to; a person writing to both numbers of a
center is one client of it, and another center's client apart."""

import asyncio
import shutil
import time
from collections.abc import AsyncIterator

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from application.disable_channel import DisableChannel
from application.gateway import Gateways
from application.register_channel import RegisterChannel
from entrypoints.container import make_container
from entrypoints.requests import in_request
from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.whatsapp import Service, ShiftedClock, running_service, service_settings, text_message
from tests.fakes.evolution_server import FakeEvolution

CENTER, OTHER = "ct-exemplo", "ct-outro"
# The center's first number comes from EVOLUTION_* (a single center's configuration keeps working);
# the others are added as `tatame channels add` does.
CENTRO, SUL, OUTRO, RETIRED = "ct-exemplo-centro", "ct-exemplo-sul", "ct-outro-unico", "ct-outro-antigo"
KEYS = {CENTRO: "key-centro", SUL: "key-sul", OUTRO: "key-outro", RETIRED: "key-antigo"}
QUESTION = "quanto custa o plano mensal?"


@pytest.fixture(scope="module")
def first_server():
    with FakeEvolution(instances={CENTRO: KEYS[CENTRO], OUTRO: KEYS[OUTRO], RETIRED: KEYS[RETIRED]}) as server:
        yield server


@pytest.fixture(scope="module")
def second_server():
    with FakeEvolution(instances={SUL: KEYS[SUL]}) as server:
        yield server


@pytest.fixture(scope="module")
async def db(database_url) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def service(database_url, first_server, second_server, tmp_path_factory) -> AsyncIterator[Service]:
    knowledge = tmp_path_factory.mktemp("knowledge")
    for slug in (CENTER, OTHER):
        shutil.copytree(PROJECT_ROOT / "knowledge" / CENTER, knowledge / slug)
    base = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("channels"), knowledge_dir=knowledge)
    settings = attrs.evolve(
        service_settings(base, first_server), evolution_instance=CENTRO, evolution_api_key=KEYS[CENTRO], default_tenant=CENTER
    )
    async for running in running_service(settings, ShiftedClock()):
        await _register(settings, CENTER, SUL, second_server.base_url)
        await _register(settings, OTHER, OUTRO, first_server.base_url)
        await _register(settings, OTHER, RETIRED, first_server.base_url)
        await _disable(settings, RETIRED)
        yield running


async def _register(settings: Settings, tenant: str, instance: str, url: str) -> None:
    container = make_container(settings, Gateways())
    try:

        async def register(request):
            await (await request.get(RegisterChannel)).execute(tenant, instance, url, KEYS[instance])

        await in_request(container, register)
    finally:
        await container.close()


async def _disable(settings: Settings, instance: str) -> None:
    container = make_container(settings, Gateways())
    try:

        async def disable(request):
            await (await request.get(DisableChannel)).execute(instance)

        await in_request(container, disable)
    finally:
        await container.close()


def _sends(*servers: FakeEvolution) -> list[tuple[str, str, str]]:
    """(instance, API key, number) of every send the servers were asked for, server by server."""
    return [
        (request.path.rsplit("/", 1)[1], request.headers["apikey"], request.json()["number"])
        for server in servers
        for request in server.requests
        if request.path.startswith("/message/sendText/")
    ]


async def _replies_to(phone: str, count: int, *servers: FakeEvolution, settle: float = 0.8) -> list[tuple[str, str, str]]:
    deadline = time.monotonic() + 10
    while len([s for s in _sends(*servers) if s[2] == phone]) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(settle)  # room for a reply too many
    return [s for s in _sends(*servers) if s[2] == phone]


def _to(instance: str, phone: str) -> dict:
    body = text_message(phone, QUESTION)
    body["instance"] = instance
    return body


async def test_each_reply_leaves_through_the_instance_its_member_wrote_to(service, first_server, second_server):
    members = {CENTRO: "5511970002001", SUL: "5511970002002", OUTRO: "5511970002003"}
    for instance, phone in members.items():
        assert (await service.post(_to(instance, phone))).json() == {"result": "stored"}
    for instance, phone in members.items():
        assert await _replies_to(phone, 1, first_server, second_server, settle=0) == [(instance, KEYS[instance], phone)]
    # The second number's Evolution is another server: nothing for it went to the first one.
    assert {s[0] for s in _sends(second_server)} == {SUL}
    assert {s[0] for s in _sends(first_server)} == {CENTRO, OUTRO}


async def _clients(db: AsyncEngine, phone: str) -> list[tuple[str, int]]:
    """(tenant slug, conversations) of each client with this phone."""
    async with db.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT t.slug, count(c.id) FROM clients k JOIN tenants t ON t.id = k.tenant_id "
                "LEFT JOIN conversations c ON c.client_id = k.id WHERE k.phone = :phone GROUP BY t.slug, k.id ORDER BY t.slug"
            ),
            {"phone": phone},
        )
        return [(slug, count) for slug, count in rows]


async def test_one_person_on_both_numbers_of_a_center_is_one_client(service, first_server, second_server, db):
    phone = "5511970002004"
    await service.post(_to(CENTRO, phone))
    assert await _replies_to(phone, 1, first_server, second_server) == [(CENTRO, KEYS[CENTRO], phone)]
    await service.post(_to(SUL, phone))
    assert sorted(await _replies_to(phone, 2, first_server, second_server)) == [(CENTRO, KEYS[CENTRO], phone), (SUL, KEYS[SUL], phone)]
    await service.post(_to(OUTRO, phone))
    replies = sorted(await _replies_to(phone, 3, first_server, second_server))
    assert replies == [(CENTRO, KEYS[CENTRO], phone), (SUL, KEYS[SUL], phone), (OUTRO, KEYS[OUTRO], phone)]
    # One client and one conversation at the center, whichever number was written to; the other
    # center knows the same person as a client of its own.
    assert await _clients(db, phone) == [(CENTER, 1), (OTHER, 1)]


@pytest.mark.parametrize(("instance", "reason"), [(RETIRED, "disabled"), ("nobody-registered", "unknown instance")])
async def test_a_disabled_or_unknown_instance_is_404_with_its_reason(service, db, instance, reason):
    phone = "5511970002005"
    response = await service.post(_to(instance, phone))
    assert response.status_code == 404 and reason in response.json()["detail"] and instance in response.json()["detail"]
    assert await _clients(db, phone) == []


def _from_lid(instance: str, lid: str, phone: str | None) -> dict:
    """As Evolution 2.3.6 delivers it: the @lid in remoteJid, the number in remoteJidAlt when WhatsApp gave one."""
    body = _to(instance, phone or "5511900000000")
    body["data"]["key"]["remoteJid"] = lid
    if phone is not None:
        body["data"]["key"]["remoteJidAlt"] = f"{phone}@s.whatsapp.net"
    return body


async def test_a_member_known_by_number_and_alias_is_one_client_on_either_address(service, first_server, second_server, db):
    phone, lid = "5511970002006", "55555555555551@lid"
    await service.post(_from_lid(CENTRO, lid, phone))
    assert await _replies_to(phone, 1, first_server, second_server) == [(CENTRO, KEYS[CENTRO], phone)]
    # Later WhatsApp names the alias alone, on the center's other number: the same client, and
    # the reply still goes to the number.
    await service.post(_from_lid(SUL, lid, None))
    assert sorted(await _replies_to(phone, 2, first_server, second_server)) == [(CENTRO, KEYS[CENTRO], phone), (SUL, KEYS[SUL], phone)]
    assert await _clients(db, phone) == [(CENTER, 1)]


async def test_a_member_known_only_by_an_alias_is_answered_at_it(service, first_server, second_server):
    lid = "55555555555552@lid"
    await service.post(_from_lid(OUTRO, lid, None))
    assert await _replies_to(lid, 1, first_server, second_server) == [(OUTRO, KEYS[OUTRO], lid)]
