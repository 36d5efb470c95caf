import datetime as dt

import pytest

from application.booking_extractor import BookingDetails, BookingIntent
from application.inbox import BufferPolicy, InboundMessage
from application.receive_message import ReceiveMessage
from application.register_trial_class import RegisterTrialClass
from domain.booking import ClassFull
from domain.channel import Channel
from domain.knowledge import Chunk
from domain.phone import Phone
from domain.route import Route
from domain.tenant import ClassSlot, Modality, Tenant
from domain.trial_class import TrialClass, TrialClassStatus
from tests.unit.fakes import FakeClock, FakeIndex, FakeUnitOfWork, ScriptedEngine, handle_turn

SP = dt.timezone(dt.timedelta(hours=-3))
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SP)
TUESDAY = dt.date(2026, 3, 3)
MUAY_THAI = Modality(
    name="Muay Thai",
    capacity=2,
    schedule=[
        ClassSlot(weekday="tue", start=dt.time(7), duration_minutes=60),
        ClassSlot(weekday="tue", start=dt.time(19), duration_minutes=60),
        ClassSlot(weekday="sat", start=dt.time(9), duration_minutes=60),
    ],
)
PHONE = Phone("5511987650000")


@pytest.fixture
def world():
    uow, clock = FakeUnitOfWork(), FakeClock(MONDAY_10)
    tenant = Tenant(slug="ct", name="CT Teste", timezone="America/Sao_Paulo", modalities=[MUAY_THAI])
    uow.tenants.add(tenant)
    uow.channels.add(Channel(tenant_id=tenant.id, kind="cli", name="cli:ct"))
    engine = ScriptedEngine(Route.BOOKING)
    index = FakeIndex({"ct": [Chunk(tenant="ct", source="a.md", heading="Endereço", text="ficamos na rua exemplo 412")]})
    turn = handle_turn(uow, clock, engine, index)
    return uow, clock, engine, turn


async def say(world, text: str, route: Route = Route.BOOKING, **details):
    uow, clock, engine, turn = world
    engine.route = route
    engine.booking = BookingDetails(**details)
    received = await ReceiveMessage(uow.inbox, uow.channels, clock, BufferPolicy()).execute(
        InboundMessage(channel="cli:ct", sender=PHONE, text=text, channel_message_id=f"m{len(uow.messages.items)}")
    )
    return await turn.execute(received.tenant_id, received.conversation_id)


def _booked(uow) -> list[TrialClass]:
    return [t for t in uow.trial_classes.items if t.status is TrialClassStatus.CONFIRMED]


async def test_everything_in_one_message_then_yes(world):
    uow = world[0]
    summary = await say(
        world, "muay thai terça 19h, sou a Ana", intent=BookingIntent.BOOK, modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana"
    )
    assert "Confirmando" in summary.reply and "terça-feira, 03/03, às 19h" in summary.reply and "Ana" in summary.reply
    assert _booked(uow) == []
    done = await say(world, "sim", answer=True)
    [trial] = _booked(uow)
    assert "confirmada" in done.reply and trial.starts_at == dt.datetime(2026, 3, 3, 19, tzinfo=SP)
    assert uow.clients.items[0].name == "Ana" and uow.conversations.items[0].interview is None


async def test_asks_only_for_what_is_missing(world):
    assert "Qual modalidade" in (await say(world, "quero agendar", intent=BookingIntent.BOOK)).reply
    assert "Qual dia e horário" in (await say(world, "muay thai", modality="Muay Thai")).reply
    assert "nome" in (await say(world, "terça às 7 da noite", day=TUESDAY, time=dt.time(19))).reply
    assert "Confirmando" in (await say(world, "Ana", name="Ana")).reply


async def test_ambiguous_hour_prefers_the_class_that_exists(world):
    reply = (await say(world, "sábado às 9", modality="Muay Thai", day=dt.date(2026, 3, 7), time=dt.time(9), name="Bia")).reply
    assert "sábado, 07/03, às 9h" in reply


async def test_several_classes_in_the_day_are_offered(world):
    reply = (await say(world, "terça", modality="Muay Thai", day=TUESDAY, name="Bia")).reply
    assert "mais de uma turma" in reply and "às 7h" in reply and "às 19h" in reply


async def test_a_day_without_class_offers_the_next_ones(world):
    reply = (await say(world, "quarta", modality="Muay Thai", day=dt.date(2026, 3, 4), name="Bia")).reply
    assert "Não temos aula de Muay Thai" in reply and "terça-feira, 03/03, às 7h" in reply


async def test_too_soon_is_refused_with_alternatives(world):
    world[1].current = dt.datetime(2026, 3, 3, 18, 0, tzinfo=SP)
    reply = (await say(world, "hoje 19h", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Bia")).reply
    assert "2 horas de antecedência" in reply and "sábado, 07/03, às 9h" in reply


async def test_no_restarts_the_when_step(world):
    await say(world, "x", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana")
    assert "mudar" in (await say(world, "não", answer=False)).reply
    reply = (await say(world, "sábado então", day=dt.date(2026, 3, 7))).reply
    assert "Confirmando" in reply and "Muay Thai" in reply and "sábado, 07/03" in reply


async def test_change_of_mind_mid_confirmation(world):
    await say(world, "x", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana")
    reply = (await say(world, "na verdade prefiro às 7", time=dt.time(7))).reply
    assert "Confirmando" in reply and "às 7h" in reply


async def test_faq_mid_flow_answers_and_comes_back(world):
    await say(world, "x", intent=BookingIntent.BOOK, modality="Muay Thai")
    result = await say(world, "em qual rua fica?", route=Route.FAQ)
    assert result.route is Route.FAQ and "rua exemplo 412" in result.reply and "Voltando ao seu agendamento" in result.reply
    assert "Confirmando" in (await say(world, "terça 19h", day=TUESDAY, time=dt.time(19), name="Ana")).reply


async def test_abort_forgets_the_interview(world):
    uow = world[0]
    await say(world, "x", intent=BookingIntent.BOOK, modality="Muay Thai")
    assert "deixei o agendamento" in (await say(world, "desisto", intent=BookingIntent.ABORT)).reply
    assert uow.conversations.items[0].interview is None


async def test_full_class_at_confirmation_is_refused(world):
    uow = world[0]
    await say(world, "x", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana")
    tenant = uow.tenants.items[0]
    for _ in range(MUAY_THAI.capacity):
        uow.trial_classes.add(
            TrialClass(
                tenant_id=tenant.id,
                client_id=tenant.id,
                conversation_id=tenant.id,
                modality="Muay Thai",
                starts_at=dt.datetime(2026, 3, 3, 19, tzinfo=SP),
                created_at=MONDAY_10,
            )
        )
    reply = (await say(world, "sim", answer=True)).reply
    assert "lotada" in reply and len(_booked(uow)) == MUAY_THAI.capacity


async def test_one_trial_per_person(world):
    await say(world, "x", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana")
    await say(world, "sim", answer=True)
    reply = (
        await say(world, "quero outra", intent=BookingIntent.BOOK, modality="Muay Thai", day=dt.date(2026, 3, 7), time=dt.time(9))
    ).reply
    assert "já tem aula experimental" in reply and len(_booked(world[0])) == 1


async def test_check_and_cancel(world):
    uow = world[0]
    assert "Não encontrei" in (await say(world, "tenho aula marcada?", intent=BookingIntent.CHECK)).reply
    await say(world, "x", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana")
    await say(world, "sim", answer=True)
    assert "Muay Thai na terça-feira, 03/03, às 19h" in (await say(world, "tenho aula marcada?", intent=BookingIntent.CHECK)).reply
    assert "cancelei" in (await say(world, "quero cancelar minha aula", intent=BookingIntent.CANCEL_BOOKED)).reply
    assert _booked(uow) == [] and uow.trial_classes.items[0].status is TrialClassStatus.CANCELLED


async def test_register_is_idempotent_for_the_same_conversation_and_class(world):
    uow, clock = world[0], world[1]
    await say(world, "x", modality="Muay Thai", day=TUESDAY, time=dt.time(19), name="Ana")
    tenant, client, conversation = uow.tenants.items[0], uow.clients.items[0], uow.conversations.items[0]
    register = RegisterTrialClass(uow, clock)
    starts = dt.datetime(2026, 3, 3, 19, tzinfo=SP)
    first = await register.execute(tenant, conversation, client, MUAY_THAI, starts)
    second = await register.execute(tenant, conversation, client, MUAY_THAI, starts)
    assert first is second and len(uow.trial_classes.items) == 1


async def test_register_checks_capacity_itself(world):
    uow, clock = world[0], world[1]
    await say(world, "x", modality="Muay Thai")
    tenant, client, conversation = uow.tenants.items[0], uow.clients.items[0], uow.conversations.items[0]
    starts = dt.datetime(2026, 3, 3, 19, tzinfo=SP)
    for _ in range(MUAY_THAI.capacity):
        uow.trial_classes.add(
            TrialClass(
                tenant_id=tenant.id,
                client_id=tenant.id,
                conversation_id=tenant.id,
                modality="Muay Thai",
                starts_at=starts,
                created_at=MONDAY_10,
            )
        )
    with pytest.raises(ClassFull):
        await RegisterTrialClass(uow, clock).execute(tenant, conversation, client, MUAY_THAI, starts)


class TestTheAnswerersRoute:
    """A turn triaged as a question takes the route the answerer reads in it, asking each decision
    at most once a turn."""

    async def test_a_wish_to_book_starts_the_interview(self, world):
        uow, _, engine, _ = world
        engine.answer_route = Route.BOOKING
        result = await say(
            world, "bora fazer um muay thai na rua exemplo", route=Route.FAQ, intent=BookingIntent.BOOK, modality="Muay Thai"
        )
        assert result.route is Route.BOOKING and "Qual dia e horário" in result.reply
        assert engine.extractions == 1 and uow.conversations.items[0].interview is not None

    async def test_mid_interview_the_details_already_read_serve_and_the_question_is_asked_again(self, world):
        engine = world[2]
        await say(world, "quero muay thai", intent=BookingIntent.BOOK, modality="Muay Thai")
        engine.answer_route, engine.extractions = Route.BOOKING, 0
        result = await say(world, "e aí, como fica na rua exemplo?", route=Route.FAQ)
        assert result.route is Route.BOOKING and "Qual dia e horário" in result.reply and engine.extractions == 1

    async def test_a_request_for_a_person_escalates(self, world):
        uow, _, engine, _ = world
        engine.answer_route = Route.ESCALATE
        result = await say(world, "alguém me explica qual rua", route=Route.FAQ)
        assert result.route is Route.ESCALATE and len(uow.escalations.items) == 1
        assert not uow.conversations.items[0].bot_may_reply

    async def test_small_talk_is_answered_with_the_answerers_reply(self, world):
        engine = world[2]
        await say(world, "quero muay thai", intent=BookingIntent.BOOK, modality="Muay Thai")
        engine.answer_route = Route.SMALLTALK
        result = await say(world, "kkkk valeu, achei a rua", route=Route.FAQ)
        assert result.route is Route.SMALLTALK and result.reply.startswith("Olá!") and "Voltando ao seu agendamento" in result.reply
