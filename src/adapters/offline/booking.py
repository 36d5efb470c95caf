"""Rule-based extraction of booking details from a pt-BR message."""

import re
from typing import Any

from adapters.bm25.analyzer import fold
from adapters.offline.when import parse_when
from application.engine import BookingDetails, BookingIntent, TurnInput
from domain.tenant import Tenant

# Patterns run on folded text (lowercase, no accents).
ABORT = re.compile(r"\b(desisto|deixa (pra|para) la|esquece|nao quero mais|cancela (o )?agendamento|parar? o agendamento|deixa quieto)\b")
CANCEL_BOOKED = re.compile(
    r"\b(cancel\w*|desmarc\w*)\b.*\b(aula|agendamento|horario)\b|\bnao (vou|vai) (poder|conseguir) (ir|comparecer)\b"
)
CHECK = re.compile(
    r"\b(tenho|tem|ja tenho|minha|a minha)\b.{0,25}\b(aula|horario)\b.{0,25}\b(marcad|agendad|reservad)\w*"
    r"|\bmeu agendamento\b|\bquando (e|eh|sera) (a )?minha aula\b|\bestou agendad\w*"
)
YES = re.compile(
    r"^\W*(sim|s|ss|isso|confirm\w*|pode( sim| confirmar| ser| marcar)?|claro|ok|okay|beleza|blz|fechado|perfeito|certo|"
    r"com certeza|bora|exato|isso mesmo|yes|uhum|aham|positivo|show|top)\b"
)
NO = re.compile(r"^\W*(nao|n|negativo|melhor nao|errado|ainda nao|espera)\b")
# "sou a Ana", "meu nome é Ana Souza", "me chamo João": the name is what follows, up to a pause.
NAME_LEAD = re.compile(r"\b(?:sou (?:o|a)|meu nome (?:e|eh)|me chamo|aqui (?:e|eh) (?:o|a)|em nome de|nome:)\s+", re.IGNORECASE)
NAME_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)?")
NAME_STOP = {"e", "quero", "queria", "gostaria", "tenho", "vou", "de", "da", "do", "pra", "para", "amanha", "hoje", "aqui", "sim"}


def _modality(tenant: Tenant, folded: str) -> str | None:
    """The modality whose longest alias appears: "jiu jitsu kids" wins over "jiu jitsu"."""
    best: tuple[int, str] | None = None
    for modality in tenant.modalities:
        for alias in modality.names:
            term = " ".join(re.findall(r"[^\W_]+", fold(alias)))
            if term and re.search(rf"\b{re.escape(term)}\b", folded) and (best is None or len(term) > best[0]):
                best = (len(term), modality.name)
    return best[1] if best else None


def _name_after_lead(text: str) -> str | None:
    lead = NAME_LEAD.search(text)
    if not lead:
        return None
    words = []
    for match in NAME_WORD.finditer(text, lead.end()):
        between = text[lead.end() if not words else words[-1][1] : match.start()]
        if fold(match.group()) in NAME_STOP or (words and re.search(r"[,.;!?\n]", between)) or len(words) == 4:
            break
        words.append((match.group(), match.end()))
    return " ".join(w for w, _ in words).title() or None


def _bare_name(text: str) -> str | None:
    """An answer to "qual é o seu nome?": a few words and nothing else."""
    words = NAME_WORD.findall(text)
    clean = re.sub(r"[\W_]+", " ", text).split()
    if 1 <= len(words) <= 4 and len(words) == len(clean) and not YES.match(fold(text)) and not NO.match(fold(text)):
        return " ".join(words).title()
    return None


def _intent(folded: str, interviewing: bool) -> BookingIntent:
    if interviewing and ABORT.search(folded):
        return BookingIntent.ABORT
    if CHECK.search(folded):
        return BookingIntent.CHECK
    if CANCEL_BOOKED.search(folded):
        return BookingIntent.CANCEL_BOOKED
    return BookingIntent.BOOK


def extract_booking(turn: TurnInput) -> BookingDetails:
    folded = fold(turn.text)
    interview: dict[str, Any] = turn.flow_state.get("booking") or {}
    intent = _intent(folded, interviewing=bool(interview))
    when = parse_when(turn.text, turn.now)
    modality = _modality(turn.tenant, folded)
    name = _name_after_lead(turn.text)
    if name is None and interview.get("awaiting") == "name" and not (when or modality):
        name = _bare_name(turn.text)
    answer = True if YES.match(folded) else False if NO.match(folded) else None
    if intent is BookingIntent.BOOK and interview and not any((modality, when, name, answer is not None)):
        # Mid-interview, a message with nothing for the booking is a detour (a FAQ question).
        intent = BookingIntent.NONE
    return BookingDetails(
        intent=intent,
        modality=modality,
        day=when.day if when else None,
        time=when.time if when else None,
        period=when.period if when else None,
        name=name,
        answer=answer,
    )
