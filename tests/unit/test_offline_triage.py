import datetime as dt
import uuid

import pytest

from adapters.offline.smalltalk import OfflineSmallTalker
from adapters.offline.triage import OfflineTriager
from application.turn import TurnInput
from domain.flow import Awaiting, FlowState, Interview
from domain.message import Author, Direction, Message, MessageStatus
from domain.route import Route
from domain.tenant import Modality, PaidService, Tenant

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
TENANT = Tenant(
    slug="arena",
    name="Arena Luta Livre",
    paid_services=[
        PaidService(name="Personal trainer", keywords=["personal", "aula particular"]),
        PaidService(name="Avaliação física", keywords=["bioimpedância"]),
        PaidService(name="Nutrição", keywords=["nutricionista", "dieta"]),
        PaidService(name="Massagem", keywords=["massagem", "massoterapia"]),
    ],
    modalities=[Modality(name="Judô", aliases=["judo"]), Modality(name="Boxe")],
)
engine = OfflineTriager()
small_talker = OfflineSmallTalker()


def turn(text: str, **context) -> TurnInput:
    return TurnInput(text=text, tenant=TENANT, now=NOW, **context)


async def route_of(text: str, **context) -> Route:
    return (await engine.triage(turn(text, **context))).route


class TestEscalate:
    @pytest.mark.parametrize(
        ("text", "service"),
        [
            ("qual o preço do personal?", "Personal trainer"),
            ("vcs dão aulas particulares de judô?", "Personal trainer"),  # plural of a keyword phrase
            ("Bioimpedancia é quanto?", "Avaliação física"),  # accent and case
            ("to precisando de uma nutricionsita", "Nutrição"),  # typo in a long word
            ("queria agendar uma massagem pra sexta", "Massagem"),  # booking words, paid service
            ("gostaria de fazer uma avaliação antes de começar", "Avaliação física"),  # head word only
        ],
    )
    async def test_a_paid_service_names_the_service(self, text: str, service: str):
        triage = await engine.triage(turn(text))
        assert (triage.route, triage.paid_service) == (Route.ESCALATE, service)

    @pytest.mark.parametrize(
        "text",
        [
            "tem mensagem nova pra mim?",  # one letter from "massagem"
            "estou de passagem pela cidade, posso treinar?",
            "como é a avaliação pra trocar de faixa?",  # "avaliação" not asked for
            "a dietética fica do lado?",  # a keyword only as part of another word
        ],
    )
    async def test_near_misses_are_not_paid_services(self, text: str):
        assert (await engine.triage(turn(text))).paid_service is None

    @pytest.mark.parametrize(
        "text",
        [
            "preciso conversar com uma pessoa",
            "dá pra falar com o gerente?",
            "tem alguém de verdade respondendo?",
            "me transfere pra um atendente por favor",
            "podem me ligar depois das 18h?",
            "paguei duas vezes, alguém consegue verificar?",
        ],
    )
    async def test_asking_for_a_person(self, text: str):
        triage = await engine.triage(turn(text))
        assert (triage.route, triage.human_requested) == (Route.ESCALATE, True)

    @pytest.mark.parametrize("text", ["sim", "Pode ser!", "quero sim, por favor", "s"])
    async def test_a_plain_yes_agrees(self, text: str):
        assert (await engine.triage(turn(text))).agrees

    @pytest.mark.parametrize("text", ["não precisa, obrigado", "nao", "sim, quanto custa o plano anual?"])
    async def test_a_no_or_a_question_does_not_agree(self, text: str):
        assert not (await engine.triage(turn(text))).agrees

    async def test_yes_alone_is_not_a_request(self):
        assert await route_of("sim") is Route.SMALLTALK


class TestBooking:
    @pytest.mark.parametrize(
        "text",
        [
            "quero agendar uma experimental de judô",
            "queria experimentar o boxe quinta",
            "posso fazer uma aula teste amanhã às 19h?",
            "bom dia! gostaria de marcar uma aula",
            "agenda pra mim judô sexta de manhã",
            "vamos marcar?",
            "quero conhecer a arena, tem vaga sábado?",
            "não vou poder ir na minha aula amanhã",
        ],
    )
    async def test_wanting_to_come(self, text: str):
        assert await route_of(text) is Route.BOOKING

    @pytest.mark.parametrize(
        "text",
        [
            "como funciona a aula teste?",
            "como eu faço pra marcar uma experimental?",
            "a experimental é gratuita?",
            "precisa agendar antes?",
            "até quando dá pra marcar a aula teste?",
        ],
    )
    async def test_asking_how_booking_works_is_faq(self, text: str):
        assert await route_of(text) is Route.FAQ

    @pytest.mark.parametrize(
        "text",
        [
            "posso fazer aula experimental de todas as modalidades?",
            "dá pra remarcar a aula teste pra outro dia?",
            "consigo fazer experimental em qualquer horário?",
            "pode fazer mais de uma aula teste?",
        ],
    )
    async def test_asking_whether_the_rules_allow_it_is_faq(self, text: str):
        assert await route_of(text) is Route.FAQ

    async def test_the_same_words_change_a_booking_under_way(self):
        interview = FlowState(interview=Interview(awaiting=Awaiting.WHEN))
        assert await route_of("dá pra remarcar pra outro dia?", flow=interview) is Route.BOOKING

    async def test_a_bare_slot_continues_an_open_interview(self):
        assert await route_of("sexta 19h", flow=FlowState(interview=Interview(awaiting=Awaiting.WHEN))) is Route.BOOKING

    async def test_a_bare_slot_continues_the_previous_booking_message(self):
        previous = Message(
            tenant_id=TENANT.id,
            conversation_id=uuid.uuid4(),
            channel_id=uuid.uuid4(),
            direction=Direction.INBOUND,
            author=Author.MEMBER,
            text="quero marcar judô",
            status=MessageStatus.PROCESSED,
            route=Route.BOOKING,
            created_at=NOW,
        )
        assert await route_of("amanhã de noite", history=[previous]) is Route.BOOKING
        assert await route_of("amanhã de noite") is Route.FAQ


class TestSmalltalk:
    @pytest.mark.parametrize(
        "text", ["Oi!", "boa noite", "e aí, tudo certo?", "brigadão!!", "vlw", "falou, até amanhã", "ok", "👍🏽", "hahaha show"]
    )
    async def test_a_message_that_is_only_small_talk(self, text: str):
        assert await route_of(text) is Route.SMALLTALK

    @pytest.mark.parametrize(
        ("text", "route"),
        [("oi, até que horas vcs abrem?", Route.FAQ), ("valeu! e quero marcar um boxe", Route.BOOKING)],
    )
    async def test_small_talk_plus_a_request_is_the_request(self, text: str, route: Route):
        assert await route_of(text) is route

    async def test_everything_else_is_faq(self):
        assert await route_of("qual a capital da frança?") is Route.FAQ


class TestSmalltalkReply:
    async def test_a_greeting_introduces_the_tenant(self):
        reply = await small_talker.smalltalk(turn("boa tarde!"))
        assert reply.startswith("Olá, boa tarde!")
        assert "Arena Luta Livre" in reply and "aula experimental" in reply

    @pytest.mark.parametrize(
        ("text", "start"),
        [("obrigada!", "Por nada!"), ("tchau", "Até mais!"), ("blz", "Combinado!"), ("vou pensar e depois eu vejo", "Claro, sem pressa!")],
    )
    async def test_the_reply_fits_what_was_said(self, text: str, start: str):
        assert (await small_talker.smalltalk(turn(text))).startswith(start)
