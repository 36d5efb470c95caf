"""Small talk: recognising a message that is only a greeting, thanks, goodbye or acknowledgement,
and the short reply to it."""

import re
from enum import StrEnum

from adapters.bm25.analyzer import words
from application.turn import TurnInput


class Kind(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"
    LATER = "later"  # "vou pensar e depois eu marco": a polite deferral, nothing to do now
    OK = "ok"


# Phrases as folded words with shorthand expanded (see `analyzer.words`): "vlw" arrives as "valeu".
_PHRASES: dict[Kind, tuple[str, ...]] = {
    Kind.GREETING: (
        "oi",
        "oii",
        "oie",
        "ola",
        "opa",
        "eai",
        "e ai",
        "eae",
        "salve",
        "hey",
        "hello",
        "alo",
        "bom dia",
        "boa tarde",
        "boa noite",
        "tudo bem",
        "tudo bom",
        "tudo certo",
        "como vai",
        "como voce esta",
        "tudo joia",
    ),
    Kind.THANKS: (
        "obrigado",
        "obrigada",
        "obrigadao",
        "obrigadaa",
        "brigado",
        "brigada",
        "brigadao",
        "valeu",
        "agradeco",
        "agradecido",
        "agradecida",
        "grato",
        "grata",
        "gratidao",
        "thanks",
        "thank you",
    ),
    Kind.BYE: (
        "tchau",
        "tchauzinho",
        "ate mais",
        "ate logo",
        "ate amanha",
        "ate breve",
        "ate",
        "flw",
        "falou",
        "abraco",
        "abracos",
        "bjs",
        "beijos",
        "bons treinos",
        "boa semana",
        "bom fim de semana",
    ),
    Kind.LATER: (
        "vou pensar",
        "vou ver",
        "vou ver direitinho",
        "depois eu marco",
        "depois marco",
        "depois eu vejo",
        "depois vejo",
        "depois eu volto",
        "depois volto",
        "depois eu falo",
        "depois eu agendo",
        "qualquer coisa eu chamo",
        "qualquer coisa chamo",
        "qualquer coisa eu falo",
        "qualquer coisa eu volto",
        "depois eu chamo",
        "vou conversar com",
        "mais tarde eu vejo",
        "te falo",
        "te aviso",
        "te chamo",
        "te retorno",
        "depois te falo",
        "depois te aviso",
    ),
    Kind.OK: (
        "ok",
        "okay",
        "okk",
        "certo",
        "entendi",
        "entendido",
        "show",
        "otimo",
        "perfeito",
        "legal",
        "massa",
        "top",
        "combinado",
        "tranquilo",
        "joia",
        "sim",
        "nao",
        "claro",
        "bacana",
        "maravilha",
        "fechado",
        "suave",
        "de boa",
        "esta bom",
        "esta bem",
        "esta certo",
        "nao precisa",
        "ah",
        "hum",
        "uhum",
        "aham",
        "beleza",
        "show de bola",
    ),
}
# Words that may surround those phrases without making the message about anything else.
_FILLERS = frozenset(
    """e a o as os pela pelo pelas pelos por para de da do com voce voces ajuda atencao informacao
    informacoes muito muita mesmo entao gente pessoal amigo amiga moco moca querido querida ai aqui
    esta tmj viu ne bem ja agora tudo""".split()
)
# Laughter typed as words: "kkkk" (squeezed to "k" by `words`), "hahaha", "rsrs", "hehe".
_LAUGH = re.compile(r"^(k+|(ha){2,}h?|(he){2,}h?|(rs)+|(hu)+a*)$")


def _index() -> dict[str, list[tuple[tuple[str, ...], Kind]]]:
    """Phrases by their first word, longest first, so "boa noite" wins over a lone "boa"."""
    index: dict[str, list[tuple[tuple[str, ...], Kind]]] = {}
    for kind, phrases in _PHRASES.items():
        for phrase in phrases:
            index.setdefault(phrase.split()[0], []).append((tuple(phrase.split()), kind))
    return {first: sorted(found, key=lambda item: -len(item[0])) for first, found in index.items()}


_INDEX = _index()


def _parse(tokens: list[str]) -> tuple[list[Kind], list[str]]:
    """The small-talk phrases found among the tokens, and the tokens that are not small talk."""
    found: list[Kind] = []
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        match = next(((p, k) for p, k in _INDEX.get(tokens[i], ()) if tuple(tokens[i : i + len(p)]) == p), None)
        if match:
            found.append(match[1])
            i += len(match[0])
        else:
            if tokens[i] not in _FILLERS and not _LAUGH.match(tokens[i]):
                rest.append(tokens[i])
            i += 1
    return found, rest


def kinds(text: str) -> list[Kind] | None:
    """The kinds of small talk the message is made of, in order; None when it says anything else.
    A message without words (emojis, "?") is an acknowledgement."""
    found, rest = _parse(words(text))
    return None if rest else found or [Kind.OK]


def without_smalltalk(text: str) -> str:
    """The message's words (folded, shorthand expanded) without greetings, thanks, fillers and the
    like: "opa blz? tem aula de boxe?" -> "tem aula boxe"."""
    return " ".join(_parse(words(text))[1])


def reply(turn: TurnInput) -> str:
    found = kinds(turn.text) or [Kind.OK]
    name = turn.tenant.name
    if Kind.BYE in found:
        thanks = "Por nada! " if Kind.THANKS in found else ""
        return f"{thanks}Até mais! Bons treinos, e quando precisar é só chamar aqui."
    if Kind.LATER in found:
        return "Claro, sem pressa! Quando quiser, é só mandar uma mensagem por aqui."
    if Kind.THANKS in found:
        return "Por nada! Se tiver mais alguma dúvida, é só mandar por aqui."
    if Kind.GREETING in found:
        return (
            f"{_salutation(turn.text)} Aqui é o atendimento do {name}. Posso ajudar com horários e modalidades, "
            "planos e preços, agendamento de aula experimental e outras dúvidas. Como posso ajudar?"
        )
    return "Combinado! Se precisar de algo, é só mandar mensagem."


def _salutation(text: str) -> str:
    said = " ".join(words(text))
    for phrase in ("bom dia", "boa tarde", "boa noite"):
        if phrase in said:
            return f"Olá, {phrase}!"
    return "Olá! Tudo ótimo por aqui." if "tudo" in said else "Olá!"


class OfflineSmallTalker:
    """`SmallTalker` from templates, in the tenant's name."""

    async def smalltalk(self, turn: TurnInput) -> str:
        return reply(turn)
