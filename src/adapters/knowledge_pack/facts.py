"""The facts of tenant.yaml besides the timetable, rendered as sections members can ask about like
any FAQ: the trial-class rules, the human contact and the paid services.

Each section is worded with words of its own (no "telefone", "contratar", "extras"), so it does not
outrank a Markdown section that says the same thing at more length; a center whose Markdown is
silent on a fact still has it answered. No section names the center: "do" or "da" would have to
guess the gender of its name ("do CT", "da Arena"). Asking *for* a paid service still goes to a
person: triage decides that before any passage is retrieved."""

from domain.knowledge import Chunk
from domain.tenant import Tenant

PACK_FILE = "tenant.yaml"
TRIAL_RULES = "Regras para agendar a aula experimental"
HUMAN_CONTACT = "Como falar com uma pessoa da equipe?"
PAID_SERVICES = "Quais serviços são pagos à parte?"


def fact_chunks(tenant: Tenant) -> list[Chunk]:
    rendered = [(TRIAL_RULES, _trial_rules(tenant))]
    if tenant.human_contact:
        rendered.append((HUMAN_CONTACT, f"Para falar com uma pessoa da equipe, o contato é {tenant.human_contact}."))
    if tenant.paid_services:
        names = _listed([s.name for s in tenant.paid_services])
        rendered.append(
            (
                PAID_SERVICES,
                f"São serviços pagos à parte, fora do plano: {names}. Quem tiver interesse é atendido por uma pessoa da equipe.",
            )
        )
    return [Chunk(tenant=tenant.slug, source=PACK_FILE, heading=heading, text=text) for heading, text in rendered]


def _trial_rules(tenant: Tenant) -> str:
    rules = tenant.trial_class
    notice = _counted(rules.min_notice_hours, "uma hora", "horas")
    earliest = (
        f"com pelo menos {notice} de antecedência (até {notice} antes do início da aula)"
        if rules.min_notice_hours
        else "até o início da aula"
    )
    ahead = _counted(rules.max_days_ahead, "um dia", "dias")
    per_person = _counted(rules.max_per_person, "uma aula experimental agendada", "aulas experimentais agendadas")
    # Worded with the verbs members use ("marcar", "agendar", "antes"), since they ask in their words.
    return (
        f"Para marcar a aula experimental, agende {earliest} e com até {ahead} de antecedência. "
        f"Cada pessoa pode ter {per_person} de cada vez, contada pelo número de WhatsApp."
    )


def _counted(count: int, one: str, many: str) -> str:
    # "uma aula experimental", not "1 aula experimental": the way a center writes it.
    return one if count == 1 else f"{count} {many}"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} e {names[-1]}"
