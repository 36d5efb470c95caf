import datetime as dt

import pytest

from adapters.offline.answer import OfflineQuestionAnswerer, asked_words
from application.knowledge_index import Passage
from application.turn import TurnInput
from domain.knowledge import Chunk
from domain.tenant import Tenant

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
TENANT = Tenant(slug="arena", name="Arena Luta Livre")


def chunk(heading: str, text: str) -> Chunk:
    return Chunk(tenant="arena", source="faq.md", heading=heading, text=text)


SAUNA = chunk(
    "Tem sauna?",
    "Sim, a Arena tem sauna seca no vestiário masculino e no feminino. A sauna abre das 17h às 21h.",
)
LUNCH = chunk(
    "Como funciona a aula no horário do almoço?",
    "A aula do almoço é mais curta, com 45 minutos, para caber no intervalo do trabalho. "
    "Ela acontece de segunda a sexta às 12h15, sempre com o mesmo professor. "
    "O aluno pode chegar até 10 minutos atrasado, porque o aquecimento é leve. "
    "O treino mistura técnica e condicionamento, e cada semana tem um tema diferente. "
    "Depois da aula, o vestiário fica reservado para quem precisa voltar ao trabalho rápido. "
    "Nas sextas, a aula do almoço é aberta para convidados dos alunos, mediante cadastro na recepção. "
    "Quem treina no almoço paga o mesmo plano dos outros horários, sem taxa extra.",
)
PRICES = chunk(
    "Quanto custa o plano mensal?",
    "O plano mensal da Arena custa R$ 210,00 e dá acesso a todas as aulas.",
)
GRADES = chunk(
    "Como funciona a troca de faixa?",
    "Na Arena, a graduação segue o sistema de faixas da federação, da branca à preta, com faixas coloridas para as crianças. "
    "As graduações acontecem duas vezes por ano, em junho e dezembro, e levam em conta frequência e técnica. "
    "O professor avisa cada aluno pessoalmente quando ele estiver pronto. "
    "O exame de graduação não tem taxa; o aluno só compra a faixa nova.",
)
AGES = chunk(
    "Qual a idade mínima?",
    "A Arena atende crianças, adolescentes, adultos e pessoas com mais de 60 anos. "
    "Crianças de 4 a 12 anos treinam na turma infantil, aos sábados de manhã com o professor da casa. "
    "Adolescentes de 13 a 17 anos treinam nas turmas adultas, com o termo de autorização do responsável. "
    "Quem tem mais de 60 anos treina com intensidade adaptada e atestado médico de liberação.",
)
PASSAGES = [Passage(chunk=c, score=s) for c, s in ((SAUNA, 9.0), (LUNCH, 5.0), (PRICES, 2.0))]
answerer = OfflineQuestionAnswerer()


async def answer(question: str, passages=PASSAGES) -> str | None:
    return (await answerer.answer(TurnInput(text=question, tenant=TENANT, now=NOW), passages)).text


class TestInScope:
    async def test_a_short_passage_is_the_answer_whole(self):
        assert await answer("vcs tem sauna?") == SAUNA.text

    async def test_the_passage_that_holds_the_question_is_chosen_over_a_better_ranked_one(self):
        assert await answer("qual o valor da mensalidade?") == PRICES.text  # "valor" ~ "custa"

    async def test_a_long_passage_is_cut_to_its_opening_and_the_sentences_that_answer(self):
        reply = await answer("no almoço, a aula do almoço tem taxa extra?")
        assert reply is not None
        assert reply.startswith("A aula do almoço é mais curta") and reply.endswith("sem taxa extra.")
        assert len(reply) < len(LUNCH.text)

    async def test_every_sentence_of_the_reply_is_the_passages_own(self):
        reply = await answer("posso chegar atrasado na aula do almoço?")
        assert reply is not None
        for sentence in reply.split(". "):
            assert sentence.rstrip(".") in LUNCH.text

    async def test_a_question_that_asks_for_a_figure_gets_the_sentence_that_states_one(self):
        reply = await answer("qnd e o exame de faixa?", [Passage(chunk=GRADES, score=1.0)])
        assert reply is not None and "junho e dezembro" in reply and len(reply) < len(GRADES.text)

    async def test_a_number_is_found_in_the_range_that_holds_it(self):
        reply = await answer("meu filho tem 15 anos, pode treinar com os adultos?", [Passage(chunk=AGES, score=1.0)])
        assert reply is not None and "13 a 17 anos" in reply and "4 a 12 anos" not in reply

    async def test_a_question_that_asks_what_the_heading_asks_gets_the_whole_passage(self):
        assert await answer("como funciona a aula no horário do almoço?") == LUNCH.text

    async def test_typos_and_shorthand_still_find_the_answer(self):
        assert await answer("qnto custa o plano mensau?") == PRICES.text

    async def test_a_greeting_around_the_question_does_not_count_against_it(self):
        assert await answer("opa, boa noite! tem sauna ai?") == SAUNA.text

    async def test_where_asks_for_the_address_the_passage_words_otherwise(self):
        address = chunk("Qual o endereço?", "A Arena fica na Rua das Flores, 100.")
        passages = [Passage(chunk=SAUNA, score=9.0), Passage(chunk=address, score=1.0)]  # both say "Arena"
        assert await answer("onde fica a arena?", passages) == address.text

    async def test_who_asks_for_a_teacher_not_for_the_subject_alone(self):
        boxing = chunk("Boxe", "O boxe da Arena é para quem quer lutar e para quem quer só suar, com aula às 19h.")
        teachers = chunk("Quem são os professores?", "A aula de boxe é com o professor Marcos Lima.")
        passages = [Passage(chunk=boxing, score=9.0), Passage(chunk=teachers, score=1.0)]
        assert await answer("quem da aula de boxe?", passages) == teachers.text

    async def test_a_heading_is_restated_without_its_aside(self):
        times = chunk("Horários de Judô Kids", "Horários das aulas de Judô Kids: sábado às 9h.")
        kids = chunk("Judô Kids (4 a 12 anos)", "O Judô Kids é a turma das crianças, com aulas lúdicas de quedas e imobilizações.")
        passages = [Passage(chunk=times, score=9.0), Passage(chunk=kids, score=8.9)]
        assert await answer("como são as aulas do judô kids?", passages) == kids.text

    def test_wanting_frames_the_question_without_saying_what_it_is_about(self):
        assert asked_words("e se eu quiser cancelar?") == ["cancelar"]

    def test_who_and_where_after_a_preposition_ask_nothing(self):
        assert "quem" not in asked_words("tem diaria pra quem e de fora?")
        assert "quem" in asked_words("quem dá a aula?")


class TestOutOfScope:
    @pytest.mark.parametrize(
        "question",
        [
            "qual a capital da frança?",
            "vocês vendem whey?",
            "tem piscina?",
            "tem sauna a vapor com hidromassagem e ofurô?",  # one word of four is not an answer
            "qual o plano de saúde aceito?",
        ],
    )
    async def test_passages_that_do_not_answer_give_none(self, question: str):
        assert await answer(question) is None

    async def test_a_passage_about_something_else_that_misses_a_word_asked_gives_none(self):
        visitors = chunk("Acompanhantes podem assistir?", "Acompanhantes não podem entrar no tatame durante o treino.")
        assert await answer("posso entrar no tatame de tênis?", [Passage(chunk=visitors, score=5.0)]) is None
        assert await answer("acompanhante pode entrar no tatame?", [Passage(chunk=visitors, score=5.0)]) == visitors.text

    async def test_a_verb_does_not_match_the_noun_for_who_does_it(self):
        visitors = chunk("Acompanhantes podem assistir?", "Pais e acompanhantes podem assistir às aulas da área de espera.")
        assert await answer("consigo acompanhar as aulas?", [Passage(chunk=visitors, score=5.0)]) is None
        assert await answer("acompanhante pode assistir?", [Passage(chunk=visitors, score=5.0)]) == visitors.text

    async def test_two_passages_that_answer_equally_well_give_none(self):
        children = chunk("Criança pode fazer aula experimental?", "Crianças fazem a aula experimental gratuita.")
        adults = chunk("Aula experimental gratuita para adultos?", "Adultos fazem a aula experimental gratuita.")
        tied = [Passage(chunk=children, score=5.0), Passage(chunk=adults, score=4.9)]
        assert await answer("a aula experimental é gratuita?", tied) is None

    async def test_two_passages_that_answer_equally_well_and_state_the_same_figures_answer(self):
        rules = chunk("Regras para agendar a aula experimental", "Agende com 2 horas de antecedência e até 14 dias antes.")
        how = chunk("Como agendar a aula experimental?", "É por aqui mesmo: de 2 horas antes da aula até 14 dias antes.")
        tied = [Passage(chunk=rules, score=4.1), Passage(chunk=how, score=4.0)]
        assert await answer("como faço pra agendar?", tied) == rules.text

    async def test_of_two_that_match_about_equally_the_one_holding_more_of_the_question_answers(self):
        fees = chunk("Atrasar mensalidade da aula?", "Atrasar a mensalidade não bloqueia a aula.")
        arrival = chunk("Chegada para a aula?", "Chegue 15 minutos antes; atrasar a aula teste mais de 10 minutos pede remarcar.")
        passages = [Passage(chunk=fees, score=7.0), Passage(chunk=arrival, score=6.0)]
        assert await answer("se eu me atrasar pra aula teste tem problema?", passages) == arrival.text

    async def test_no_passages_give_none(self):
        assert await answer("tem sauna?", passages=[]) is None

    async def test_a_message_without_content_words_gives_none(self):
        assert await answer("??") is None
