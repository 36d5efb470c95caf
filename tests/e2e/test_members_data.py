"""Members' data rights (LGPD) on the real stack: `tatame members export|erase|requests` in process,
the erasure request said on the chat, and the worker's retention job, on PostgreSQL."""

import asyncio
import datetime as dt
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SettableClock
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.ingest_knowledge import cli_channel_name
from domain.phone import Phone
from domain.route import Route
from entrypoints.cli import main
from entrypoints.container import OwnerEngine, make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from entrypoints.worker import DailyRetention
from tests import PROJECT_ROOT
from tests.e2e.conftest import NOW

BOOK = "quero fazer uma aula experimental de funcional na quarta às 20h, meu nome é Igor"
ANONYMOUS = "SELECT count(*) FROM trial_classes WHERE client_id IS NULL AND conversation_id IS NULL"
AUDITS = "SELECT count(*) FROM erasures WHERE cause = 'tatame members erase'"
MEMBER_TABLES = ("clients", "conversations", "messages", "outbox", "escalations", "status_changes")


@pytest.fixture
def two_centers(settings: Settings, tmp_path: Path) -> Settings:
    knowledge = tmp_path / "knowledge"
    for slug in ("ct-exemplo", "ct-outro"):
        shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", knowledge / slug)
    return attrs.evolve(settings, knowledge_dir=knowledge)


@pytest.fixture
async def stack(two_centers: Settings, clock: SettableClock, transcript) -> AsyncIterator[AsyncContainer]:
    container = make_container(two_centers, Gateways(TerminalGateway(transcript)), clock)
    await prepare(container)
    yield container
    await container.close()


@pytest.fixture
def cli(two_centers: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    """Runs `tatame ...` in this process against the test database; returns (exit code, stdout)."""
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    # `main` configures logging for the process for good: it would hide INFO events later tests capture.
    monkeypatch.setattr("entrypoints.cli.configure_logging", lambda level: None)
    for name, value in two_centers.environment().items():
        monkeypatch.setenv(name, value)

    async def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))  # main runs its own event loop
        return code, capsys.readouterr().out

    return run


def _member(container: AsyncContainer, phone: str, tenant: str = "ct-exemplo") -> TerminalConversation:
    return TerminalConversation(container, cli_channel_name(tenant), Phone(phone))


async def _rows(engine: AsyncEngine, table: str, phone: str, tenant: str = "ct-exemplo") -> int:
    """Rows of `table` that belong to the member `phone` at `tenant`, through their client record."""
    reach = {
        "clients": "SELECT id AS client_id FROM clients",
        "conversations": "SELECT client_id FROM conversations",
        "messages": "SELECT c.client_id FROM messages m JOIN conversations c ON c.id = m.conversation_id",
        "outbox": "SELECT c.client_id FROM outbox o JOIN messages m ON m.id = o.message_id JOIN conversations c ON c.id = m.conversation_id",
        "escalations": "SELECT c.client_id FROM escalations e JOIN conversations c ON c.id = e.conversation_id",
        "status_changes": "SELECT c.client_id FROM status_changes s JOIN conversations c ON c.id = s.conversation_id",
        "trial_classes": "SELECT client_id FROM trial_classes",
    }[table]
    query = sa.text(
        f"SELECT count(*) FROM ({reach}) r JOIN clients k ON k.id = r.client_id JOIN tenants t ON t.id = k.tenant_id "
        "WHERE k.phone = :phone AND t.slug = :tenant"
    )
    async with engine.connect() as connection:
        return (await connection.execute(query, {"phone": phone, "tenant": tenant})).scalar_one()


async def _scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(sa.text(sql))).scalar_one()


async def _booked_seats(engine: AsyncEngine) -> int:
    return await _scalar(  # type: ignore[return-value]
        engine, "SELECT count(*) FROM trial_classes WHERE modality = 'Treinamento Funcional' AND status = 'confirmed'"
    )


async def test_export_holds_the_members_messages_and_nothing_of_others(stack, cli):
    me, neighbour, elsewhere = _member(stack, "5511977070001"), _member(stack, "5511977070002"), _member(stack, "5511977070001", "ct-outro")
    await me.say("quanto custa o plano mensal?")
    await me.say("quero falar com um atendente")
    await neighbour.say("qual o horário do jiu-jitsu?")
    await elsewhere.say("vocês têm estacionamento?")

    code, out = await cli("members", "export", "5511977070001", "--tenant", "ct-exemplo")
    export = json.loads(out)
    assert code == 0 and export["tenant"] == "ct-exemplo" and export["phone"] == "5511977070001"
    [record] = export["records"]
    assert record["client"]["phone"] == "5511977070001"
    [conversation] = record["conversations"]
    texts = [m["text"] for m in conversation["messages"]]
    assert texts[0] == "quanto custa o plano mensal?" and "quero falar com um atendente" in texts
    assert any("R$ 189" in text for text in texts)  # the bot's replies are the member's data too
    assert [e["reason"] for e in conversation["escalations"]] == ["human_requested"]
    assert [s["after"] for s in conversation["status_changes"]] == ["waiting_human"]
    assert "qual o horário do jiu-jitsu?" not in out and "estacionamento" not in out


async def test_erase_removes_the_member_keeps_the_seat_and_is_idempotent(stack, cli):
    engine = await stack.get(OwnerEngine)
    me, neighbour = _member(stack, "5511977070011"), _member(stack, "5511977070012")
    for member in (me, neighbour):
        await member.say(BOOK)
        assert "confirmada" in (await member.say("sim")).reply
        await member.say("quero falar com um atendente")
    seats, anonymous, audits = await _booked_seats(engine), await _scalar(engine, ANONYMOUS), await _scalar(engine, AUDITS)
    neighbour_before = {table: await _rows(engine, table, "5511977070012") for table in (*MEMBER_TABLES, "trial_classes")}
    assert all(neighbour_before.values())

    code, out = await cli("members", "erase", "5511977070011")
    assert code == 0 and "deleted 1 client record(s), 1 conversation(s)" in out and "1 trial class(es) anonymized" in out
    for table in MEMBER_TABLES:
        assert await _rows(engine, table, "5511977070011") == 0, table
    assert await _booked_seats(engine) == seats  # the seat is still taken, by nobody we know
    assert await _scalar(engine, ANONYMOUS) == anonymous + 1  # type: ignore[operator]
    assert {table: await _rows(engine, table, "5511977070012") for table in neighbour_before} == neighbour_before
    assert "5511977070011" not in await _scalar(engine, "SELECT json_agg(e)::text FROM erasures e")  # type: ignore[operator]

    code, again = await cli("members", "erase", "5511977070011")
    assert code == 0 and "deleted 0 client record(s), 0 conversation(s)" in again
    assert await _booked_seats(engine) == seats
    assert await _scalar(engine, AUDITS) == audits + 2  # type: ignore[operator]
    _, export = await cli("members", "export", "5511977070011")
    assert json.loads(export)["records"] == []
    # The member may come back as anyone new: nothing of the erased history follows them.
    assert (await me.say("oi")).route is Route.SMALLTALK


async def test_an_erasure_request_said_on_the_chat_is_confirmed_and_listed_for_staff(stack, cli):
    member = _member(stack, "5511977070021")
    result = await member.say("Por favor, quero excluir meus dados")
    assert result.route is Route.ERASURE_REQUEST and "Registramos o seu pedido" in result.reply and "17/03/2026" in result.reply
    assert (await member.say("apagar meus dados")).route is Route.ERASURE_REQUEST  # the same request

    code, out = await cli("members", "requests", "--tenant", "ct-exemplo")
    [line] = [line for line in out.splitlines() if "5511977070021" in line]
    # The command reads the system clock, long past the chat's: the request shows as overdue.
    assert code == 0 and "deadline 2026-03-17" in line and line.endswith("OVERDUE")

    await cli("members", "erase", "5511977070021")
    _, out = await cli("members", "requests")
    # Other tests' members share the database: only this one's request is looked at.
    assert "5511977070021" not in out and "(erased)" in out and ", 1 done" in out


async def test_retention_deletes_only_conversations_inactive_for_longer(stack, clock):
    engine = await stack.get(OwnerEngine)
    old, recent = _member(stack, "5511977070031"), _member(stack, "5511977070032")
    clock.current = NOW - dt.timedelta(days=40)
    await old.say(BOOK)
    await old.say("sim")
    clock.current = NOW - dt.timedelta(days=5)
    await recent.say("quanto custa o plano mensal?")
    clock.current = NOW
    seats = await _booked_seats(engine)

    await DailyRetention(days=30)(stack)

    for table in ("conversations", "messages", "outbox", "status_changes"):
        assert await _rows(engine, table, "5511977070031") == 0, table
    assert await _rows(engine, "messages", "5511977070032") == 2
    assert await _rows(engine, "clients", "5511977070031") == 1  # the member stays, with their trial class
    assert await _rows(engine, "trial_classes", "5511977070031") == 1 and await _booked_seats(engine) == seats
    assert await _scalar(engine, "SELECT sum(conversations) FROM erasures WHERE cause = 'retention'") >= 1  # type: ignore[operator]
