import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.bm25.analyzer import fold
from adapters.offline.follow_up import OfflineFollowUpReader, lacks_subject
from application.knowledge_index import Passage
from application.turn import TurnInput
from domain.knowledge import Chunk
from domain.message import Author, Direction, Message, MessageStatus
from domain.tenant import Tenant

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
TENANT = Tenant(slug="arena", name="Arena Luta Livre")
reader = OfflineFollowUpReader()


def said(text: str, author: Author = Author.MEMBER) -> Message:
    direction = Direction.INBOUND if author is Author.MEMBER else Direction.OUTBOUND
    return Message(
        tenant_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        channel_id=uuid.uuid4(),
        direction=direction,
        author=author,
        text=text,
        status=MessageStatus.PROCESSED,
        created_at=NOW,
    )


def turn(text: str, *history: Message) -> TurnInput:
    return TurnInput(text=text, tenant=TENANT, now=NOW, history=history)


def passage(heading: str, text: str) -> Passage:
    return Passage(chunk=Chunk(tenant="arena", source="faq.md", heading=heading, text=text), score=1.0)


@pytest.mark.parametrize(
    "text", ["e qual o valor?", "e o valor?", "e sábado?", "e pra criança?", "E o anual??", "e tem desconto pra irmão?", "e?"]
)
def test_a_question_opening_with_e_that_names_little_lacks_a_subject(text):
    assert lacks_subject(text)


@pytest.mark.parametrize("text", ["quem dá?", "onde é?", "onde fica?"])
def test_a_question_that_asks_only_who_or_where_lacks_a_subject(text):
    assert lacks_subject(text)


@pytest.mark.parametrize("text", ["quantos alunos por turma?", "qual o horário?", "quanto custa?", "quem é o professor?"])
def test_a_question_that_asks_only_what_any_class_or_plan_has_lacks_a_subject(text):
    assert lacks_subject(text)


def test_a_question_about_an_attribute_takes_the_subject_even_without_e():
    standalone = reader.standalone(turn("quantos alunos por turma?", said("vcs tem aula de boxe?")))
    assert standalone is not None and "boxe" in standalone.split()


@pytest.mark.parametrize(
    "text",
    [
        "qual o valor da mensalidade?",
        "tem estacionamento?",
        "e aí, tem estacionamento?",
        "e o plano anual parcela em 12x no cartão de crédito?",
    ],
)
def test_a_question_that_names_its_subject_stands_alone(text):
    assert not lacks_subject(text)


def test_a_follow_up_is_searched_with_the_subject_of_the_members_earlier_question():
    history = (said("vcs tem aula de jiu pra mulher?"), said("Temos sim, a turma de Jiu-Jitsu Feminino...", Author.BOT))
    standalone = reader.standalone(turn("e qual o valor?", *history))
    assert standalone is not None and standalone.startswith("e qual o valor?")
    assert {"jiu", "mulher"} <= set(standalone.split())
    assert "feminino" not in standalone  # the bot's reply is no subject


def test_the_subject_is_the_latest_question_that_had_one():
    history = (said("quanto custa o plano mensal?"), said("tem estacionamento?"), said("e o bicicletário?"), said("obrigado"))
    standalone = reader.standalone(turn("e o valor?", *history))
    assert standalone is not None and "estacionamento" in standalone and "mensal" not in standalone


def test_without_an_earlier_question_a_follow_up_is_searched_as_written():
    assert reader.standalone(turn("e o valor?")) is None
    assert reader.standalone(turn("e o valor?", said("oi"), said("Olá! Como posso ajudar?", Author.BOT))) is None


words = st.sampled_from(
    ["estacionamento", "mensalidade", "bicicletário", "sauna", "kimono", "vestiário", "matrícula", "armário", "chuveiro"]
)


@given(st.lists(words, min_size=1, max_size=4).map(" ".join), st.lists(words, min_size=1, max_size=4).map(" ".join))
def test_a_question_with_its_own_subject_is_never_mixed_with_the_previous_one(earlier, question):
    asked = f"tem {question}?"
    assert reader.standalone(turn(asked, said(f"qual o {earlier}?"))) is None


@given(words, words)
def test_a_follow_up_keeps_its_own_words_and_takes_the_earlier_subject(earlier, new):
    standalone = reader.standalone(turn(f"e {new}?", said(f"vocês tem {earlier}?")))
    assert standalone is not None and standalone.startswith(f"e {new}?") and standalone.endswith(fold(earlier))


def test_the_passages_kept_for_a_follow_up_hold_what_it_asks():
    women = passage("Jiu-Jitsu Feminino", "A turma de Jiu-Jitsu Feminino é só para mulheres.")
    price = passage("Quanto custa o plano mensal?", "O plano mensal custa R$ 189,00 e dá acesso ao Jiu-Jitsu Feminino.")
    lockers = passage("Tem armário?", "Objetos de valor podem ficar no armário.")
    follow_up = turn("e qual o valor?", said("vcs tem aula de jiu pra mulher?"))
    assert reader.answering(follow_up, [women, price, lockers]) == [price, lockers]  # the order is the search's


def test_of_passages_found_about_as_high_the_one_holding_more_of_the_subject_comes_first():
    kids = Passage(chunk=Chunk(tenant="arena", source="faq.md", heading="Plano kids", text="O plano kids custa R$ 149,00."), score=4.32)
    monthly = Passage(
        chunk=Chunk(
            tenant="arena", source="faq.md", heading="Plano mensal", text="O plano mensal custa R$ 189,00, com Jiu-Jitsu Feminino."
        ),
        score=4.31,
    )
    far_better = Passage(chunk=Chunk(tenant="arena", source="faq.md", heading="Preços", text="O valor da diária é R$ 50,00."), score=20.0)
    follow_up = turn("e qual o valor?", said("vcs tem aula de jiu pra mulher?"))
    assert reader.answering(follow_up, [kids, monthly]) == [monthly, kids]
    assert reader.answering(follow_up, [kids, far_better, monthly])[0] == far_better  # the search still counts most
