"""How the dashboard words and formats things for the center's staff (pt-BR)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

STATUS = {"bot": "bot", "waiting_human": "aguardando atendente", "human": "atendente", "closed": "encerrada"}
AUTHOR = {"member": "membro", "bot": "bot", "staff": "equipe"}
ROUTE = {
    "faq": "dúvida",
    "escalate": "encaminhada à equipe",
    "booking": "agendamento",
    "smalltalk": "conversa",
    "erasure_request": "pedido de exclusão (LGPD)",
    "paused": "bot em pausa",
}
# The channel's acks say more than our own status once they arrive.
DELIVERY = {
    "pending": "na fila",
    "sent": "enviada",
    "failed": "não enviada",
    "SERVER_ACK": "enviada",
    "DELIVERY_ACK": "entregue",
    "READ": "lida",
    "PLAYED": "ouvida",
}
TRIAL_STATUS = {"confirmed": "confirmada", "cancelled": "cancelada", "attended": "compareceu", "no_show": "faltou"}
WEEKDAYS = ("seg", "ter", "qua", "qui", "sex", "sáb", "dom")
REASON = {"paid_service": "serviço pago", "human_requested": "pediu para falar com uma pessoa"}


def waited(since: dt.datetime | None, now: dt.datetime) -> str:
    """ "agora", "há 5 min", "há 2 h 05 min", "há 3 dias"."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "agora"
    if minutes < 60:
        return f"há {minutes} min"
    if minutes < 24 * 60:
        return f"há {minutes // 60} h {minutes % 60:02d} min"
    days = minutes // (24 * 60)
    return f"há {days} dia{'s' if days > 1 else ''}"


def local_time(at: dt.datetime | None, timezone: str, now: dt.datetime) -> str:
    """ "14:03" today, "02/12 14:03" before."""
    if at is None:
        return ""
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == now.astimezone(zone).date() else f"{local:%d/%m %H:%M}"


def day_label(day: dt.date) -> str:
    """ "qua 02/12"."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"


def duration(span: dt.timedelta | None) -> str:
    """ "45 s", "12 min", "1 h 05 min"; "" for none."""
    if span is None:
        return ""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def delivery(status: str, ack: str | None) -> str:
    return DELIVERY.get(ack or "", DELIVERY.get(status, status))


def filters() -> dict[str, Any]:
    return {
        "status_label": lambda status: STATUS.get(str(status), str(status)),
        "author_label": lambda author: AUTHOR.get(str(author), str(author)),
        "route_label": lambda route: ROUTE.get(str(route), str(route)),
        "reason_label": lambda reason: REASON.get(str(reason), str(reason)),
        "trial_status_label": lambda status: TRIAL_STATUS.get(str(status), str(status)),
        "day_label": day_label,
        "duration": duration,
        "waited": waited,
        "local_time": local_time,
        "delivery": delivery,
    }
