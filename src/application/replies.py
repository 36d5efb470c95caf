"""What the bot says when the words are the application's, not the engine's. Members read pt-BR."""

from domain.tenant import Tenant


def _contact(tenant: Tenant) -> str:
    return f" Se preferir, fale com a gente pelo {tenant.human_contact}." if tenant.human_contact else ""


def escalated_paid_service(tenant: Tenant, service: str) -> str:
    return (
        f"{service} é um serviço à parte, combinado diretamente com a nossa equipe. "
        f"Já avisei um atendente do {tenant.name}, que vai continuar a conversa com você por aqui em breve."
        + _contact(tenant)
    )


def escalated_on_request(tenant: Tenant) -> str:
    return (
        f"Claro! Já chamei alguém da equipe do {tenant.name}, que vai responder você por aqui em breve."
        + _contact(tenant)
    )


def no_answer(tenant: Tenant) -> str:
    return (
        f"Não encontrei essa informação na base do {tenant.name} e prefiro não responder sem ter certeza. "
        "Quer que eu chame alguém da equipe para te ajudar? É só responder \"sim\"."
    )


def booking_not_available(tenant: Tenant) -> str:
    return (
        "Que bom que você quer fazer uma aula experimental! "
        "Ainda não consigo registrar o agendamento por aqui. "
        f"Quer que eu chame alguém da equipe do {tenant.name} para marcar com você? É só responder \"sim\"."
    )
