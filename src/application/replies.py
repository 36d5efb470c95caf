"""What the bot says when the words are the application's, not the engine's. Members read pt-BR."""

import datetime as dt
from collections.abc import Sequence

from domain.booking import BookingRefused, ClassFull, InThePast, NotInTimetable, TooFarAhead, TooSoon, TrialLimitReached
from domain.tenant import Modality, Tenant
from domain.trial_class import TrialClass

_WEEKDAYS = ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"]


def on(local: dt.datetime) -> str:
    """ "na terça-feira, 03/03, às 19h", "no sábado, 07/03, às 9h"."""
    return ("no " if local.weekday() >= 5 else "na ") + when(local)


def when(local: dt.datetime) -> str:
    """ "terça-feira, 03/03, às 19h" in the tenant's local time."""
    minutes = f"{local.minute:02d}" if local.minute else ""
    return f"{_WEEKDAYS[local.weekday()]}, {local:%d/%m}, às {local.hour}h{minutes}"


def _options(tenant: Tenant, classes: Sequence[dt.datetime]) -> str:
    return "; ".join(when(c.astimezone(tenant.zone)) for c in classes)


def _contact(tenant: Tenant) -> str:
    return f" Se preferir, fale com a gente pelo {tenant.human_contact}." if tenant.human_contact else ""


def escalated_paid_service(tenant: Tenant, service: str) -> str:
    return (
        f"{service} é um serviço à parte, combinado diretamente com a nossa equipe. "
        f"Já avisei um atendente do {tenant.name}, que vai continuar a conversa com você por aqui em breve." + _contact(tenant)
    )


def escalated_on_request(tenant: Tenant) -> str:
    return f"Claro! Já chamei alguém da equipe do {tenant.name}, que vai responder você por aqui em breve." + _contact(tenant)


def out_of_hours(tenant: Tenant) -> str:
    """Said after the escalation's reply when nobody is at the front desk (`front_desk.business_hours`)."""
    return tenant.front_desk.out_of_hours_reply or (
        "Agora estamos fora do horário de atendimento da equipe; a resposta chega assim que voltarmos."
    )


def _not_found(tenant: Tenant) -> str:
    return f"Não encontrei essa informação na base do {tenant.name} e prefiro não responder sem ter certeza."


def not_found(tenant: Tenant) -> str:
    """For when the member has a yes/no question of ours pending: no second one."""
    return _not_found(tenant) + _contact(tenant)


def no_answer(tenant: Tenant) -> str:
    return _not_found(tenant) + ' Quer que eu chame alguém da equipe para te ajudar? É só responder "sim".'


def ask_modality(tenant: Tenant) -> str:
    names = ", ".join(m.name for m in tenant.modalities)
    return f"Oba, vamos agendar sua aula experimental! Qual modalidade você quer experimentar? Temos: {names}."


def ask_when(tenant: Tenant, modality: Modality, upcoming: Sequence[dt.datetime]) -> str:
    if not upcoming:
        return f"No momento não há aulas de {modality.name} disponíveis para aula experimental nos próximos dias. Quer tentar outra modalidade?"
    return f"Perfeito, {modality.name}! Qual dia e horário ficam melhor para você? Os próximos horários são: {_options(tenant, upcoming)}."


def choose_among(tenant: Tenant, modality: Modality, options: Sequence[dt.datetime]) -> str:
    return f"Temos mais de uma turma de {modality.name} nesse período: {_options(tenant, options)}. Qual delas você prefere?"


def no_class_then(tenant: Tenant, modality: Modality, upcoming: Sequence[dt.datetime]) -> str:
    lead = f"Não temos aula de {modality.name} nesse dia e horário."
    return f"{lead} Os próximos horários disponíveis são: {_options(tenant, upcoming)}. Qual fica melhor?" if upcoming else lead


def refused(tenant: Tenant, modality: Modality, error: BookingRefused, upcoming: Sequence[dt.datetime]) -> str:
    rules = tenant.trial_class
    reason = {
        NotInTimetable: f"Não temos aula de {modality.name} nesse horário.",
        InThePast: "Esse horário já passou.",
        TooSoon: f"A aula experimental precisa ser agendada com pelo menos {rules.min_notice_hours} horas de antecedência.",
        TooFarAhead: f"Consigo agendar a aula experimental para até {rules.max_days_ahead} dias a partir de hoje.",
        ClassFull: f"Essa turma de {modality.name} já está lotada.",
    }.get(type(error))
    if isinstance(error, TrialLimitReached):
        return (
            f"Pelo que vejo, este número já tem aula experimental agendada ou realizada no {tenant.name}, "
            f"e a regra é {rules.max_per_person} por pessoa. Se quiser, posso chamar alguém da equipe para ajudar."
        )
    options = f" Os próximos horários disponíveis são: {_options(tenant, upcoming)}. Algum deles serve?" if upcoming else ""
    return f"{reason}{options}"


def ask_name() -> str:
    return "E qual é o seu nome, para eu deixar a aula reservada?"


def summary(tenant: Tenant, modality: Modality, starts_at: dt.datetime, name: str) -> str:
    return (
        f"Confirmando: aula experimental de {modality.name} {on(starts_at.astimezone(tenant.zone))}, em nome de {name}. "
        'Posso confirmar? Responda "sim" para confirmar ou "não" para mudar algo.'
    )


def ask_confirmation_again() -> str:
    return 'Só preciso que você confirme: responda "sim" para eu agendar ou "não" para mudar algo.'


def ask_what_to_change() -> str:
    return "Sem problemas! Me diga o que quer mudar: outro dia ou horário, ou outra modalidade."


def booked(tenant: Tenant, trial: TrialClass) -> str:
    return (
        f"Prontinho, sua aula experimental de {trial.modality} está confirmada para {when(trial.starts_at.astimezone(tenant.zone))}! "
        "Chegue uns 15 minutos antes. Se precisar desmarcar, é só me avisar por aqui."
    )


def booking_abandoned() -> str:
    return "Tudo bem, deixei o agendamento de lado. Quando quiser marcar sua aula experimental, é só me chamar!"


def trials_booked(tenant: Tenant, trials: Sequence[TrialClass]) -> str:
    if not trials:
        return "Não encontrei nenhuma aula experimental marcada para este número. Quer agendar uma?"
    listed = "; ".join(f"{t.modality} {on(t.starts_at.astimezone(tenant.zone))}" for t in trials)
    return f"Sim! Você tem aula experimental marcada: {listed}."


def trials_cancelled(tenant: Tenant, trials: Sequence[TrialClass]) -> str:
    if not trials:
        return "Não encontrei nenhuma aula experimental marcada para cancelar neste número."
    listed = "; ".join(f"{t.modality} {on(t.starts_at.astimezone(tenant.zone))}" for t in trials)
    return f"Pronto, cancelei sua aula experimental ({listed}). Se quiser remarcar, é só falar!"


def cancelled_by_staff(tenant: Tenant, trial: TrialClass) -> str:
    return (
        f"Olá! Precisamos cancelar a sua aula experimental de {trial.modality} {on(trial.starts_at.astimezone(tenant.zone))}. "
        "Desculpe o transtorno! Se quiser remarcar, é só responder por aqui." + _contact(tenant)
    )


def back_to_booking(pending: str) -> str:
    return f"\n\nVoltando ao seu agendamento: {pending}"


def media_not_understood(media: str | None) -> str:
    what = {"audio": "ouvir áudios", "image": "ver imagens", "video": "ver vídeos", "sticker": "ver figurinhas"}.get(
        media or "", "abrir arquivos"
    )
    return f"Desculpe, ainda não consigo {what} por aqui. Pode me escrever sua dúvida em texto?"


def erasure_requested(tenant: Tenant, deadline: dt.datetime) -> str:
    return (
        f"Registramos o seu pedido para apagar os seus dados. A equipe do {tenant.name} vai concluir a exclusão "
        f"até {deadline:%d/%m/%Y}, dentro do prazo de 15 dias da LGPD." + _contact(tenant)
    )
