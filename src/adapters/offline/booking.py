"""Rule-based extraction of booking details from a pt-BR message."""

import re

import attrs

from adapters.bm25.analyzer import STOPWORDS, fold, words
from adapters.offline.smalltalk import kinds
from adapters.offline.when import parse_when
from application.booking_extractor import BookingDetails, BookingIntent
from application.turn import TurnInput
from domain.flow import Awaiting
from domain.tenant import Tenant

# Patterns run on folded text (lowercase, no accents).
ABORT = re.compile(
    r"\b(desisto|deixa (pra|para) la|esquece|nao quero mais|cancela (o )?agendamento|parar? o agendamento|deixa quieto)\b"
    r"|^\W*cancela(r)?\W*$"
)
CANCEL_BOOKED = re.compile(
    r"\b(cancel\w*|desmarc\w*)\b.*\b(aula|agendamento|horario)\b|\bnao (vou|vai) (poder|conseguir) (ir|comparecer)\b"
)
CHECK = re.compile(
    r"\b(tenho|tem|ja tenho|minha|a minha)\b.{0,25}\b(aula|horario)\b.{0,25}\b(marcad|agendad|reservad)\w*"
    r"|\bmeu agendamento\b|\bquando (e|eh|sera) (a )?minha aula\b|\bestou agendad\w*"
)
# Yes and no run on `words` (shorthand expanded, "simmm" squeezed, punctuation gone): "s" -> "sim".
YES = re.compile(
    r"^(sim|ss|isso|confirm\w*|pode( sim| confirmar| ser| marcar)?|claro|ok|okay|beleza|fechado|perfeito|certo|"
    r"com certeza|bora|exato|isso mesmo|yes|uhum|aham|positivo|show|top|fechou|esta (bom|otimo|certo))\b"
)
NO = re.compile(r"^(nao|negativo|nops?|nope|melhor nao|errado|ainda nao|espera|(quero |prefiro )?(mudar|trocar))\b")
# "sou a Ana", "meu nome é Ana Souza", "me chamo João": the name is what follows, up to a pause.
NAME_LEAD = re.compile(r"\b(?:sou (?:o|a)|meu nome (?:[eé]|eh)|me chamo|aqui (?:[eé]|eh) (?:o|a)|em nome de|nome:)\s+", re.IGNORECASE)
NAME_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)?")
NAME_STOP = {"e", "quero", "queria", "gostaria", "tenho", "vou", "de", "da", "do", "pra", "para", "amanha", "hoje", "aqui", "sim"}
# "sou a mãe do Pedro", "sou o responsável": who they are, not what they are called.
NOT_A_NAME = {
    "mae",
    "pai",
    "responsavel",
    "aluno",
    "aluna",
    "iniciante",
    "novo",
    "nova",
    "interessado",
    "interessada",
    "aula",
    "experimental",
    "horario",
    "turma",
    "marcar",
    "agendar",
    "obrigado",
    "obrigada",
    "valeu",
}
# Joining words of a name, kept lowercase: "Maria da Silva".
PARTICLES = {"da", "de", "do", "das", "dos", "e"}


def _modality(tenant: Tenant, said: str) -> str | None:
    """The modality whose longest alias appears in the words: "jiu-jitsu kids" wins over "jiu"."""
    best: tuple[int, str] | None = None
    for modality in tenant.modalities:
        for alias in modality.names:
            term = " ".join(words(alias))
            if term and re.search(rf"\b{re.escape(term)}\b", said) and (best is None or len(term) > best[0]):
                best = (len(term), modality.name)
    return best[1] if best else None


def _title(name: list[str]) -> str:
    return " ".join(w.lower() if i and fold(w) in PARTICLES else w.title() for i, w in enumerate(name))


def _name_after_lead(text: str) -> str | None:
    """Up to four words after the lead, stopping at a pause or a word no name has. A joining word
    stays only before a capital: "Maria da Silva", but "Ana de manhã" is Ana."""
    lead = NAME_LEAD.search(text)
    if not lead:
        return None
    matches = list(NAME_WORD.finditer(text, lead.end()))
    found: list[str] = []
    for i, match in enumerate(matches):
        word = match.group()
        joins = fold(word) in PARTICLES and i + 1 < len(matches) and matches[i + 1].group()[0].isupper()
        paused = bool(found) and re.search(r"[,.;!?\n]", text[matches[i - 1].end() : match.start()])
        if paused or len(found) == 4 or (fold(word) in NAME_STOP and not (found and joins)):
            break
        found.append(word)
    while found and fold(found[-1]) in PARTICLES:  # "sou a Ana e Quero marcar"
        found.pop()
    if not found or fold(found[0]) in NOT_A_NAME:
        return None
    return _title(found)


def _bare_name(text: str) -> str | None:
    """An answer to "qual é o seu nome?": one to four words, nothing else, no question, no
    greeting or thanks, and no everyday word ("tem estacionamento" is not a name)."""
    found = NAME_WORD.findall(text)
    clean = re.sub(r"[\W_]+", " ", text).split()
    if not 1 <= len(found) <= 4 or len(found) != len(clean) or "?" in text or kinds(text) is not None:
        return None
    inner = [fold(w) for w in found[1:-1]]
    ends = {fold(found[0]), fold(found[-1])}
    if ends & (STOPWORDS | NOT_A_NAME) or any(w in STOPWORDS - PARTICLES or w in NOT_A_NAME for w in inner):
        return None
    return _title(found)


def _intent(folded: str, interviewing: bool) -> BookingIntent:
    if interviewing and ABORT.search(folded):
        return BookingIntent.ABORT
    if CHECK.search(folded):
        return BookingIntent.CHECK
    if cancels(folded):
        return BookingIntent.CANCEL_BOOKED
    return BookingIntent.BOOK


def extract_booking(turn: TurnInput) -> BookingDetails:
    folded = fold(turn.text)
    said = " ".join(words(turn.text))
    interview = turn.flow.interview
    awaiting = interview.awaiting if interview else None
    intent = _intent(folded, interviewing=interview is not None)
    when = parse_when(turn.text, turn.now)
    modality = _modality(turn.tenant, said)
    if interview and modality == interview.modality:
        # Naming the modality already chosen is no news: "quanto custa o muay thai?" is a detour.
        modality = None
    name = _name_after_lead(turn.text)
    if name is None and awaiting is Awaiting.NAME and not (when or modality):
        name = _bare_name(turn.text)
    details = BookingDetails(
        intent=intent,
        modality=modality,
        day=when.day if when else None,
        time=when.time if when else None,
        period=when.period if when else None,
        name=name,
        answer=explicit_answer(turn.text),
    )
    return detour(turn, details)


def explicit_answer(text: str) -> bool | None:
    """An explicit yes ("sim", "pode confirmar", "isso mesmo") or no to the summary, or None."""
    said = " ".join(words(text))
    return True if YES.match(said) else False if NO.match(said) else None


def cancels(text: str) -> bool:
    """Whether the message asks to cancel a trial class already booked."""
    return bool(CANCEL_BOOKED.search(fold(text)))


def detour(turn: TurnInput, details: BookingDetails) -> BookingDetails:
    """Mid-interview, a message with nothing for the booking is a detour (a FAQ question), except
    a word or two at the summary ("hmm", "talvez"): that is an unclear answer to it."""
    interview = turn.flow.interview
    if details.intent is not BookingIntent.BOOK or interview is None or details.changes or details.answer is not None:
        return details
    unclear = interview.awaiting is Awaiting.CONFIRMATION and len(words(turn.text)) <= 2 and "?" not in turn.text
    return details if unclear else attrs.evolve(details, intent=BookingIntent.NONE)


class OfflineBookingExtractor:
    """`BookingExtractor` by rules and the pt-BR date grammar in `when`."""

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        return extract_booking(turn)
