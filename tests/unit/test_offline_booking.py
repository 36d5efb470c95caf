"""The offline engine's booking extraction: intent, modality, day and time, name, yes / no."""

import datetime as dt

import pytest

from adapters.offline.booking import extract_booking
from application.booking_extractor import BookingDetails, BookingIntent
from application.turn import TurnInput
from domain.flow import FlowState, Interview
from domain.tenant import Modality, Tenant

BRT = dt.timezone(dt.timedelta(hours=-3))
MON = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BRT)  # a Monday
TENANT = Tenant(
    slug="arena",
    name="Arena",
    modalities=[
        Modality(name="Jiu-Jitsu", aliases=["jiu-jitsu", "jiu jitsu", "jiujitsu", "jiu", "bjj"]),
        Modality(name="Jiu-Jitsu Kids", aliases=["jiu-jitsu kids", "jiu jitsu kids", "kids", "infantil"]),
        Modality(name="Jiu-Jitsu Feminino", aliases=["jiu-jitsu feminino", "turma feminina"]),
        Modality(name="Muay Thai", aliases=["muay thai", "muay-thai", "boxe tailandês", "thai"]),
        Modality(name="Boxe", aliases=["boxe", "boxing"]),
    ],
)


def extract(text: str, awaiting: str | None = None, modality: str | None = None) -> BookingDetails:
    """What the offline engine reads in `text`; `awaiting` is the question the interview asked."""
    flow = FlowState(interview=Interview(awaiting=awaiting, modality=modality)) if awaiting else FlowState()
    return extract_booking(TurnInput(text=text, tenant=TENANT, now=MON, flow=flow))


class TestIntent:
    @pytest.mark.parametrize(
        ("text", "awaiting", "intent"),
        [
            ("quero marcar uma aula experimental", None, BookingIntent.BOOK),
            ("jiu-jitsu", "modality", BookingIntent.BOOK),
            ("tenho aula marcada?", None, BookingIntent.CHECK),
            ("tenho aula experimental marcada?", None, BookingIntent.CHECK),
            ("minha aula ta agendada pra quando?", None, BookingIntent.CHECK),
            ("qual é o meu agendamento?", None, BookingIntent.CHECK),
            ("quero cancelar minha aula", None, BookingIntent.CANCEL_BOOKED),
            ("preciso desmarcar a aula de amanhã", None, BookingIntent.CANCEL_BOOKED),
            ("não vou poder ir", None, BookingIntent.CANCEL_BOOKED),
            ("desisto", "when", BookingIntent.ABORT),
            ("deixa pra lá", "name", BookingIntent.ABORT),
            ("cancela", "confirmation", BookingIntent.ABORT),
            ("esquece, não quero mais", "when", BookingIntent.ABORT),
        ],
    )
    def test_intent(self, text: str, awaiting: str | None, intent: BookingIntent):
        assert extract(text, awaiting).intent is intent

    def test_giving_up_needs_an_interview_to_give_up(self):
        assert extract("desisto").intent is not BookingIntent.ABORT

    @pytest.mark.parametrize("text", ["quanto custa o plano mensal?", "tem estacionamento?", "vcs tem vestiario"])
    def test_a_question_mid_interview_is_a_detour(self, text: str):
        assert extract(text, awaiting="when", modality="Boxe").intent is BookingIntent.NONE

    @pytest.mark.parametrize("text", ["hmm", "talvez", "sei la"])
    def test_a_word_or_two_at_the_summary_is_an_unclear_answer(self, text: str):
        details = extract(text, awaiting="confirmation", modality="Boxe")
        assert (details.intent, details.answer) == (BookingIntent.BOOK, None)

    def test_a_question_at_the_summary_is_a_detour(self):
        assert extract("tem estacionamento?", awaiting="confirmation", modality="Boxe").intent is BookingIntent.NONE

    def test_naming_the_modality_already_chosen_is_a_detour(self):
        details = extract("quanto custa o muay thai?", awaiting="when", modality="Muay Thai")
        assert (details.intent, details.modality) == (BookingIntent.NONE, None)

    def test_naming_another_modality_changes_it(self):
        details = extract("na verdade prefiro muay thai", awaiting="when", modality="Boxe")
        assert (details.intent, details.modality) == (BookingIntent.BOOK, "Muay Thai")


class TestModality:
    @pytest.mark.parametrize(
        ("text", "modality"),
        [
            ("quero fazer jiu jitsu", "Jiu-Jitsu"),
            ("bjj", "Jiu-Jitsu"),
            ("aula de jiu", "Jiu-Jitsu"),
            # The longest alias wins, whatever the spelling: hyphen, spaces, one word.
            ("jiu jitsu kids pro meu filho", "Jiu-Jitsu Kids"),
            ("quero jiu-jitsu kids", "Jiu-Jitsu Kids"),
            ("quero jiu-jitsu feminino", "Jiu-Jitsu Feminino"),
            ("tem turma feminina?", "Jiu-Jitsu Feminino"),
            ("JIUJITSU", "Jiu-Jitsu"),
            ("boxe tailandês", "Muay Thai"),
            ("boxe tailandes", "Muay Thai"),
            ("boxe", "Boxe"),
            ("muay-thai amanha", "Muay Thai"),
            ("quero fazer uma aula experimental", None),
            ("kickboxing", None),  # a word that merely contains an alias
        ],
    )
    def test_modality(self, text: str, modality: str | None):
        assert extract(text).modality == modality


class TestWhen:
    def test_day_and_time_in_one_sentence(self):
        details = extract("quero fazer uma aula experimental de muay thai amanhã às 19h, sou a Ana")
        assert (details.modality, details.day, details.time, details.name) == ("Muay Thai", dt.date(2026, 3, 3), dt.time(19), "Ana")

    def test_part_of_the_day(self):
        details = extract("sábado de manhã", awaiting="when", modality="Boxe")
        assert (details.day, details.time, details.period) == (dt.date(2026, 3, 7), None, "manha")

    def test_day_of_month_at_night(self):
        details = extract("dia 12 às 7 da noite", awaiting="when", modality="Boxe")
        assert (details.day, details.time) == (dt.date(2026, 3, 12), dt.time(19))


class TestName:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("sou a Ana", "Ana"),
            ("oi, sou o rafa e quero marcar boxe", "Rafa"),
            ("meu nome é João Pedro", "João Pedro"),
            ("meu nome e joao pedro", "Joao Pedro"),
            ("Meu nome é Maria da Silva, quero marcar", "Maria da Silva"),
            ("sou a Ana de manhã prefiro", "Ana"),
            ("Sou a Ana E Quero marcar", "Ana"),
            ("me chamo Bia. pode ser amanhã?", "Bia"),
            ("aqui é a Carla, pode ser sábado 9h", "Carla"),
            ("pode marcar em nome de Fernanda Lima", "Fernanda Lima"),
            ("sou a mãe do Pedro, quero marcar jiu jitsu kids", None),  # who she is, not her name
            ("quero marcar muay thai amanhã", None),
        ],
    )
    def test_name_after_a_lead(self, text: str, name: str | None):
        assert extract(text).name == name

    @pytest.mark.parametrize(
        ("text", "name"),
        [("Ana", "Ana"), ("joão pedro", "João Pedro"), ("Ana Clara.", "Ana Clara"), ("maria de souza", "Maria de Souza")],
    )
    def test_bare_name_answers_the_name_question(self, text: str, name: str):
        assert extract(text, awaiting="name", modality="Boxe").name == name

    def test_bare_name_only_when_asked(self):
        assert extract("Ana", awaiting="when", modality="Boxe").name is None
        assert extract("Ana").name is None

    @pytest.mark.parametrize("text", ["quanto custa?", "tem estacionamento", "valeu", "oi", "sim", "não", "aula experimental", "amanhã"])
    def test_not_every_short_answer_is_a_name(self, text: str):
        assert extract(text, awaiting="name", modality="Boxe").name is None


class TestYesNo:
    @pytest.mark.parametrize(
        "text",
        ["sim", "Sim!", "s", "ss", "simmm", "pode ser", "pode confirmar", "isso mesmo", "ok", "blz", "confirmado", "ta bom", "fechou"],
    )
    def test_yes(self, text: str):
        assert extract(text, awaiting="confirmation", modality="Boxe").answer is True

    @pytest.mark.parametrize("text", ["não", "nao", "n", "Não, prefiro quinta", "melhor não", "nops", "quero mudar o horário"])
    def test_no(self, text: str):
        assert extract(text, awaiting="confirmation", modality="Boxe").answer is False

    @pytest.mark.parametrize("text", ["tem estacionamento?", "simulado", "nada a declarar", "quinta às 19h"])
    def test_neither(self, text: str):
        assert extract(text, awaiting="confirmation", modality="Boxe").answer is None

    def test_no_with_a_new_day_carries_the_day(self):
        details = extract("não, prefiro quinta", awaiting="confirmation", modality="Boxe")
        assert (details.answer, details.day) == (False, dt.date(2026, 3, 5))
