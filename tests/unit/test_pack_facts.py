from hypothesis import given
from hypothesis import strategies as st

from adapters.knowledge_pack.facts import HUMAN_CONTACT, PAID_SERVICES, TRIAL_RULES, fact_chunks
from domain.tenant import PaidService, Tenant, TrialClassRules


def _tenant(**facts: object) -> Tenant:
    return Tenant(slug="ct-teste", name="CT Teste", **facts)  # type: ignore[arg-type]


def test_every_fact_is_a_section_of_tenant_yaml():
    tenant = _tenant(human_contact="(11) 5555-0000", paid_services=[PaidService(name="Personal trainer"), PaidService(name="Nutrição")])
    chunks = {c.heading: c for c in fact_chunks(tenant)}
    assert set(chunks) == {TRIAL_RULES, HUMAN_CONTACT, PAID_SERVICES}
    assert {c.source for c in chunks.values()} == {"tenant.yaml"}
    assert "(11) 5555-0000" in chunks[HUMAN_CONTACT].text
    assert "Personal trainer e Nutrição" in chunks[PAID_SERVICES].text


def test_a_fact_the_pack_leaves_out_is_no_section():
    assert [c.heading for c in fact_chunks(_tenant())] == [TRIAL_RULES]


def test_one_is_written_as_a_word():
    rules = TrialClassRules(min_notice_hours=1, max_days_ahead=1, max_per_person=1)
    [text] = [c.text for c in fact_chunks(_tenant(trial_class=rules))]
    assert "pelo menos uma hora" in text and "até um dia" in text and "uma aula experimental agendada" in text


def test_no_notice_is_said_as_such():
    [text] = [c.text for c in fact_chunks(_tenant(trial_class=TrialClassRules(min_notice_hours=0)))]
    assert "até o início da aula" in text and "0 horas" not in text


@given(st.integers(2, 72), st.integers(2, 90), st.integers(2, 5))
def test_the_trial_rules_state_the_tenants_numbers(notice, ahead, per_person):
    rules = TrialClassRules(min_notice_hours=notice, max_days_ahead=ahead, max_per_person=per_person)
    [text] = [c.text for c in fact_chunks(_tenant(trial_class=rules))]
    assert f"{notice} horas" in text and f"{ahead} dias" in text and f"{per_person} aulas experimentais" in text
