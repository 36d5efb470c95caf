"""What every model call is told, in the same order: the stable part first (the decision's
instructions, then the center's facts from tenant.yaml), then the last messages of this
conversation, then what the call is about. Only this conversation's own messages ever go in: no
other member's data is in a prompt, so no prompt can make the model leak it."""

from collections.abc import Sequence

from openai.types.chat import ChatCompletionMessageParam

from adapters.bm25.analyzer import words
from adapters.openai.text import visible
from application.turn import TurnInput
from domain.message import Direction, Message
from domain.tenant import Modality, Tenant, Weekday

# A history message is context, not the question: its head says what it was about, and a flood
# pasted earlier must not make every later call cost what the flood did.
HISTORY_MESSAGE_CHARS = 300
# All history together, newest kept first: about 500 tokens, so a FAQ call with three passages and
# a full history stays under 1,500 prompt tokens.
HISTORY_CHARS = 1_800
# An answer that repeats this many words of the instructions in a row is reciting the prompt: no
# reply to a member needs a run that long of ours, while asking for the prompt gets it whole.
ECHO_RUN = 8

# Heads the member's text, the last thing of every request.
MEMBER = "Mensagem da pessoa:\n"
_DAYS = {
    Weekday.MON: "seg",
    Weekday.TUE: "ter",
    Weekday.WED: "qua",
    Weekday.THU: "qui",
    Weekday.FRI: "sex",
    Weekday.SAT: "sáb",
    Weekday.SUN: "dom",
}


def system(instructions: str, tenant: Tenant) -> ChatCompletionMessageParam:
    return {"role": "system", "content": f"{instructions}\n\n{facts(tenant)}"}


def facts(tenant: Tenant) -> str:
    """The center as tenant.yaml states it, compactly: one line per modality with its week."""
    lines = [f"Centro: {tenant.name}"]
    if tenant.llm.tone:
        lines.append(f"Tom das respostas: {tenant.llm.tone}")
    lines.append("Modalidades e horários:")
    lines.extend(f"- {timetable(m)}" for m in tenant.modalities)
    rules = tenant.trial_class
    lines.append(
        f"Aula experimental: {rules.max_per_person} por pessoa, com pelo menos {rules.min_notice_hours} h de antecedência "
        f"e até {rules.max_days_ahead} dias à frente."
    )
    if tenant.paid_services:
        lines.append("Serviços pagos (tratados por um atendente): " + ", ".join(s.name for s in tenant.paid_services))
    if tenant.human_contact:
        lines.append(f"Contato da equipe: {tenant.human_contact}")
    return "\n".join(lines)


def timetable(modality: Modality) -> str:
    """ "Muay Thai: seg 18h; ter 7h, 19h; sáb 9h"."""
    days: dict[Weekday, list[str]] = {}
    for slot in sorted(modality.schedule, key=lambda s: (s.weekday.number, s.start)):
        days.setdefault(slot.weekday, []).append(
            f"{slot.start.hour}h{slot.start.minute:02d}" if slot.start.minute else f"{slot.start.hour}h"
        )
    week = "; ".join(f"{_DAYS[day]} {', '.join(starts)}" for day, starts in days.items())
    return f"{modality.name}: {week or 'sem horários'}"


def history(turn: TurnInput) -> list[ChatCompletionMessageParam]:
    """The conversation's last messages (`turn.history`, already this conversation's only), oldest
    first: the member's as user turns, the bot's and staff's as assistant turns."""
    kept: list[Message] = []
    room = HISTORY_CHARS
    for message in reversed(turn.history):
        room -= min(len(message.text), HISTORY_MESSAGE_CHARS)
        if room < 0:
            break
        kept.append(message)
    return [_said(message) for message in reversed(kept)]


def _said(message: Message) -> ChatCompletionMessageParam:
    text = visible(message.text)[:HISTORY_MESSAGE_CHARS]
    if message.direction is Direction.INBOUND:
        return {"role": "user", "content": text}
    return {"role": "assistant", "content": text}


def conversation(instructions: str, turn: TurnInput, request: str) -> list[ChatCompletionMessageParam]:
    """The whole prompt: `request` is the last user message, ending with the member's text."""
    return [system(instructions, turn.tenant), *history(turn), {"role": "user", "content": request}]


def member_text(turn: TurnInput) -> str:
    """The member's text as the request's last part, under its heading."""
    return MEMBER + visible(turn.text)


def echoes(reply: str, instructions: Sequence[str]) -> bool:
    """Whether `reply` repeats `ECHO_RUN` words in a row of any of the instructions (folded, so
    neither accents nor punctuation hide a recital)."""
    said = f" {' '.join(words(reply))} "
    for text in instructions:
        ours = words(text)
        if any(f" {' '.join(ours[i : i + ECHO_RUN])} " in said for i in range(len(ours) - ECHO_RUN + 1)):
            return True
    return False
