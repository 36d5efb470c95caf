"""How `tatame eval` grades a reply, against the default pack: correct, abstained or wrong."""

from pathlib import Path

import pytest

from adapters.knowledge_pack.loader import load_pack
from application import replies
from domain.route import Route
from entrypoints.eval_file import EvalFileError, LabelledQuestion, QuestionSet, Section, load_question_set
from entrypoints.eval_grading import Reference, Verdict, grade
from entrypoints.eval_run import references
from tests import PROJECT_ROOT

PACK = load_pack(PROJECT_ROOT / "knowledge" / "ct-exemplo")
TENANT = PACK.tenant
MONTHLY = "planos-e-precos.md#Quanto custa o plano mensal?"
PRICE = "O plano mensal do CT Exemplo custa R$ 189,00 por mês e dá acesso livre a todas as modalidades adultas: Jiu-Jitsu, Jiu-Jitsu Feminino, Muay Thai, Boxe e Treinamento Funcional."
NO_LOYALTY = "O plano mensal não tem fidelidade e pode ser cancelado a qualquer momento."
LOCKERS = "Objetos de valor, como celular e carteira, podem ficar guardados no armário ou com a recepção durante a aula."


def _question(section: str | None, must_contain: tuple[str, ...] = ()) -> LabelledQuestion:
    source, _, heading = section.partition("#") if section else ("", "", "")
    return LabelledQuestion(question="e qual o valor?", section=Section(source, heading) if section else None, must_contain=must_contain)


def _reference(question: LabelledQuestion) -> Reference:
    [reference] = references(QuestionSet(file=Path("perguntas.yaml"), tenant=TENANT.slug, questions=(question,)), {TENANT.slug: PACK})
    return reference


def _grade(reply: str | None, section: str | None = MONTHLY, must_contain: tuple[str, ...] = (), route: Route | None = Route.FAQ):
    question = _question(section, must_contain)
    return grade(question, route, reply, _reference(question))


class TestCorrect:
    def test_an_extract_of_the_section_with_the_facts(self):
        assert _grade(f"{PRICE} {NO_LOYALTY}", must_contain=("r$ 189,00",)).verdict is Verdict.CORRECT

    def test_markup_and_line_breaks_do_not_matter(self):
        assert _grade(f"**{PRICE}**\n\n- {NO_LOYALTY}").verdict is Verdict.CORRECT

    def test_an_answer_midway_through_a_booking_is_judged_without_the_pending_question(self):
        reply = PRICE + replies.back_to_booking("E qual é o seu nome?")
        assert _grade(reply, must_contain=("R$ 189,00",)).verdict is Verdict.CORRECT
        assert _grade(LOCKERS + replies.back_to_booking("E qual é o seu nome?")).verdict is Verdict.WRONG

    def test_a_paraphrase_is_judged_by_its_facts(self):
        assert _grade("Sai por R$ 189,00 ao mês, sem fidelidade.", must_contain=("R$ 189,00", "fidelidade")).verdict is Verdict.CORRECT

    def test_a_timetable_fact_from_tenant_yaml(self):
        [boxe] = [c for c in PACK.chunks if c.heading == "Horários de Boxe"]
        assert _grade(boxe.text, section="tenant.yaml#Horários de Boxe", must_contain=("19h",)).verdict is Verdict.CORRECT

    def test_a_tenant_yaml_fact_not_rendered_under_its_own_heading_is_looked_for_in_every_rendered_one(self):
        [boxe] = [c for c in PACK.chunks if c.heading == "Horários de Boxe"]
        assert _grade(boxe.text, section="tenant.yaml#trial_class.min_notice_hours").verdict is Verdict.CORRECT

    def test_a_fact_from_tenant_yaml_that_a_markdown_section_repeats(self):
        [rules] = [c for c in PACK.chunks if c.source == "tenant.yaml" and "14 dias" in c.text]
        section = "aula-experimental.md#Como agendar a aula experimental?"
        assert _grade(rules.text, section=section, must_contain=("14 dias",)).verdict is Verdict.CORRECT


class TestAbstained:
    @pytest.mark.parametrize("reply", [replies.no_answer(TENANT), replies.not_found(TENANT) + replies.back_to_booking("Qual o seu nome?")])
    def test_the_bots_dont_know(self, reply):
        assert _grade(reply).verdict is Verdict.ABSTAINED
        assert _grade(reply, section=None).verdict is Verdict.ABSTAINED


class TestWrong:
    def test_an_extract_of_another_section(self):
        outcome = _grade(LOCKERS)
        assert (outcome.verdict, outcome.reason) == (Verdict.WRONG, f"not from {MONTHLY}")

    def test_an_extract_that_mixes_in_another_section(self):
        assert _grade(f"{PRICE} {LOCKERS}").verdict is Verdict.WRONG

    def test_a_markdown_section_for_a_tenant_yaml_fact(self):
        assert _grade(PRICE, section="tenant.yaml#Horários de Boxe").verdict is Verdict.WRONG

    def test_a_tenant_yaml_extract_without_the_facts_asked(self):
        [rules] = [c for c in PACK.chunks if c.source == "tenant.yaml" and "14 dias" in c.text]
        section = "aula-experimental.md#Como agendar a aula experimental?"
        assert _grade(rules.text, section=section).verdict is Verdict.WRONG  # nothing asked, so nothing it states
        assert _grade(rules.text, section=section, must_contain=("WhatsApp", "nome")).verdict is Verdict.WRONG

    def test_a_missing_fact(self):
        outcome = _grade(NO_LOYALTY, must_contain=("R$ 189,00",))
        assert (outcome.verdict, outcome.reason) == (Verdict.WRONG, "lacks 'R$ 189,00'")

    def test_any_answer_to_a_question_the_pack_cannot_answer(self):
        assert _grade(PRICE, section=None).verdict is Verdict.WRONG

    @pytest.mark.parametrize("route", [Route.BOOKING, Route.ESCALATE, Route.SMALLTALK])
    def test_a_reply_that_is_no_answer(self, route):
        assert _grade(replies.escalated_on_request(TENANT), route=route).verdict is Verdict.WRONG

    def test_no_reply(self):
        assert _grade(None, route=None).verdict is Verdict.WRONG


class TestReferences:
    def test_the_default_packs_set_labels_sections_the_pack_has(self):
        question_set = load_question_set(PROJECT_ROOT / "eval" / "ct-exemplo.yaml")
        assert len(references(question_set, {TENANT.slug: PACK})) == len(question_set.questions)

    @pytest.mark.parametrize(
        ("section", "reason"),
        [("planos-e-precos.md#Quanto custa?", "Tem taxa de matrícula?"), ("precos.md#Quanto custa?", "no section comes from precos.md")],
    )
    def test_a_section_the_pack_lacks_is_an_error_naming_the_field(self, section, reason):
        with pytest.raises(EvalFileError, match=r"perguntas\.yaml: questions\[0\]\.section: no section .*" + reason):
            _reference(_question(section))

    def test_a_tenant_the_packs_lack(self):
        question_set = QuestionSet(file=Path("perguntas.yaml"), tenant="ct-outro", questions=(_question(None),))
        with pytest.raises(EvalFileError, match=r"perguntas\.yaml: tenant: no pack 'ct-outro'"):
            references(question_set, {TENANT.slug: PACK})
