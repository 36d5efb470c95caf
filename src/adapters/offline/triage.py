"""Rule-based triage of a member's turn. Patterns run on the folded text with WhatsApp shorthand
expanded (`analyzer.words`: "vc" -> "voce", "pra" -> "para", "é" -> "e"), one space between words
and no punctuation, so they are written without accents and match whole words."""

import re
from functools import lru_cache

from adapters.bm25.analyzer import near, stem, words
from adapters.offline.smalltalk import kinds
from application.triage import Triage
from application.turn import TurnInput
from domain.route import Route
from domain.tenant import PaidService, Tenant

# An explicit request for a person: talk to / pass me to / call me / is there a human.
HUMAN = re.compile(
    r"\b(falar|conversar|papo)\b( \w+){0,4} "
    r"(atendente|pessoa|humano|alguem|dono|dona|gerente|responsavel|recepcao|recepcionista|equipe|proprietario)\b"
    r"|\b(atendente|humano|humana|pessoa de verdade|pessoa real|alguem de verdade|alguem real|gente de verdade)\b"
    r"|\b(passa|passar|transfere|transferir|encaminha|encaminhar|chama|chamar|chame)\b( \w+){0,3} "
    r"(pessoa|alguem|atendente|gerente|dono|responsavel)\b"
    r"|\b(quero|queria|preciso de|gostaria de) (uma pessoa|alguem)\b"
    r"|\btem alguem\b"
    r"|\b(liga|ligue|ligar|telefona|telefonar)\b( \w+){0,2} (para mim|me)\b|\bme (liga|ligue|ligar|ligam|telefona)\b"
    r"|\balguem (pode|podia|poderia|consegue|conseguiria) (me )?(ver|verificar|olhar|resolver|ajudar|atender|ligar)\b"
)

# A request for something, used where a service is named only by its head word ("fazer uma avaliação").
ASK = r"\b(quero|queria|gostaria de|preciso de|fazer|marcar|agendar|contratar)( \w+){0,2} "

# Wanting to come to a class: a first-person wish followed (closely) by an act of booking.
WANT = r"\b(quero|queria|gostaria de|gostaria|vou|posso|da para|bora|vamos|consigo|tem como|desejo)\b"
ACT = (
    r"\b(marcar|agendar|reservar|remarcar|experimentar|testar|conhecer|"
    r"fazer( \w+){0,2} (aula|experimental|teste|treino)|"
    r"ir( (hoje|amanha|fazer|treinar|experimentar|conhecer|la|ai|segunda|terca|quarta|quinta|sexta|sabado|domingo)\b|$)|"
    r"treinar (hoje|amanha|segunda|terca|quarta|quinta|sexta|sabado))"
)
WANTS_CLASS = re.compile(
    WANT
    + r"( \w+){0,3} "
    + ACT
    # Imperatives to the bot: "marca pra mim", "agenda sábado 10h", "me coloca na aula".
    + r"|^((oi|ola|bom dia|boa tarde|boa noite) )?(marca|agenda|reserva|inscreve)\b"
    + r"|\bpode (me )?(marcar|agendar|reservar)\b|\b(marca|agenda|reserva) (para mim|ai)\b|\bme (coloca|poe|bota|inscreve|encaixa)\b"
    # Proposing a slot: "pode ser quinta às 7h".
    + r"|\bpode ser (hoje|amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo|\d)"
    + r"|\b(quero|queria|gostaria de) (uma )?(aula )?(experimental|teste)\b"
    # A trial class already booked: cancelling or checking it is the booking flow's business.
    + r"|\b(cancelar|desmarcar) (a |minha |meu )?(aula|agendamento|horario|experimental)\b"
    + r"|\bnao (vou|vai) (poder|conseguir) (ir|comparecer)\b"
    + r"|\b(tenho|tem|minha) aula\b( \w+){0,3} (marcada|agendada|reservada)\b|\bmeu agendamento\b"
)
# Questions about how booking works are FAQ even when they name the act: "como faço pra agendar?".
HOW = re.compile(
    r"\bcomo (funciona|faco|faz|eu|posso|que|e|seria|agendo|marco|marca|agenda|reservo)\b"
    r"|\bprecisa (agendar|marcar|reservar)\b|\b(quanto tempo|antecedencia|ate quando|quantas)\b"
    r"|\b(e|esta|sao) (pago|paga|pagas|gratis|gratuita|gratuito|cobrada|cobrado)\b|\bde graca\b|\bquanto custa\b"
    r"|\bpor aqui mesmo\b|\bonde (eu )?(marco|agendo|marca|agenda)\b|\b(quero|queria|gostaria de) saber\b"
)
# Asking whether something is allowed in general ("posso fazer aula experimental de todas as
# modalidades?", "dá pra remarcar pra outro dia?") is a question about the rules, not a wish to book:
# the act is named, but for any class or day, not for one. Outside a booking only: while one is under
# way, "posso mudar pra outro dia?" changes it.
ALLOWED = re.compile(
    r"\b(posso|pode|podemos|da para|consigo|e possivel|tem como)\b( \w+){0,6} "
    r"(todas|todos|qualquer|mais de uma|mais de um|outro dia|outra data|outro horario|outra semana)\b"
)
# A slot the member gives while a booking is under way: a day, a time, a part of the day.
SLOT = re.compile(r"\b(hoje|amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo|manha|tarde|noite|cedo|\d{1,2}h\d*|\d{1,2}:\d{2})\b")
# The shortest word of a paid service's terms in which a typo is still recognised.
TYPO_LENGTH = 9
# Agreeing to the bot's offer of a person.
YES = frozenset(
    """sim pode quero claro ok okay isso bora manda chama chame chamar favor por ser sera beleza
    blz aceito gostaria pfv pf pfvr certeza seria otimo positivo uhum aham yes ai""".split()
)
NO = frozenset("nao precisa obrigado obrigada depois".split())


def triage(turn: TurnInput) -> Triage:
    said = " ".join(words(turn.text))
    human = bool(HUMAN.search(said))
    agrees = _accepts(said)
    service = paid_service(turn.text, turn.tenant)
    if human or service:
        return Triage(route=Route.ESCALATE, paid_service=service, human_requested=human, agrees=agrees)
    if kinds(turn.text) is not None:
        return Triage(route=Route.SMALLTALK, agrees=agrees)
    if HOW.search(said) or (ALLOWED.search(said) and not _booking_under_way(turn)):
        return Triage(route=Route.FAQ, agrees=agrees)
    if WANTS_CLASS.search(said) or (_booking_under_way(turn) and SLOT.search(said)):
        return Triage(route=Route.BOOKING, agrees=agrees)
    return Triage(route=Route.FAQ, agrees=agrees)


def _accepts(said: str) -> bool:
    """A short yes ("sim", "pode ser", "quero sim, por favor") and no refusal."""
    tokens = said.split()
    return bool(tokens) and len(tokens) <= 6 and set(tokens) <= YES and not set(tokens) & NO


def _booking_under_way(turn: TurnInput) -> bool:
    """A trial-class interview is open, or the member's previous message went to booking: a bare
    "sábado 10h" continues it."""
    if turn.flow.interview is not None:
        return True
    previous = [m.route for m in turn.history if m.route is not None]
    return bool(previous) and previous[-1] == Route.BOOKING


def paid_service(text: str, tenant: Tenant) -> str | None:
    """The first paid service the message names, by any of its terms as a whole phrase (stems, so
    plurals match; one typo allowed in long words), or by its name's head word when asked for."""
    said = words(text)
    for service in tenant.paid_services:
        if any(_contains(said, _phrase(term)) for term in service.terms) or _asked_by_head(text, service):
            return service.name
    return None


@lru_cache(maxsize=4096)
def _phrase(term: str) -> tuple[str, ...]:
    return tuple(words(term))


def _contains(said: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(all(_same(s, p) for s, p in zip(said[i : i + n], phrase, strict=True)) for i in range(len(said) - n + 1))


def _same(said: str, term: str) -> bool:
    # Only long words may carry a typo ("nutricionsita"): among shorter ones a single letter
    # separates different things ("massagem", "passagem", "mensagem").
    return stem(said) == stem(term) or (min(len(said), len(term)) >= TYPO_LENGTH and near(said, term))


def _asked_by_head(text: str, service: PaidService) -> bool:
    head = _phrase(service.name)
    if len(head) < 2:
        return False
    return bool(re.search(ASK + re.escape(head[0]) + r"\b", " ".join(words(text))))


class OfflineTriager:
    """`Triager` by rules over the folded text; no model, no network."""

    async def triage(self, turn: TurnInput) -> Triage:
        return triage(turn)
