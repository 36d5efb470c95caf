"""What every model call is told: the stable part first, then this conversation's last messages,
then the member's text; invisible characters stripped everywhere."""

import datetime as dt
import uuid

from adapters.openai.prompt import HISTORY_CHARS, HISTORY_MESSAGE_CHARS, conversation, echoes, facts, history, timetable
from application.turn import TurnInput
from domain.message import Author, Direction, Message, MessageStatus
from domain.tenant import ClassSlot, LanguageModelSettings, Modality, PaidService, Tenant

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
THAI = Modality(
    name="Muay Thai",
    schedule=[
        ClassSlot(weekday="tue", start=dt.time(19), duration_minutes=60),
        ClassSlot(weekday="mon", start=dt.time(18, 30), duration_minutes=60),
        ClassSlot(weekday="tue", start=dt.time(7), duration_minutes=60),
    ],
)
TENANT = Tenant(
    slug="arena",
    name="Arena Luta Livre",
    human_contact="(11) 5555-0000",
    modalities=[THAI],
    paid_services=[PaidService(name="Personal trainer")],
    llm=LanguageModelSettings(tone="descontraído, trata por você, usa emojis com moderação"),
)
CONVERSATION = uuid.uuid4()


def said(text: str, author: Author = Author.MEMBER, minute: int = 0) -> Message:
    inbound = author is Author.MEMBER
    return Message(
        tenant_id=TENANT.id,
        conversation_id=CONVERSATION,
        channel_id=uuid.uuid4(),
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        author=author,
        text=text,
        status=MessageStatus.PROCESSED if inbound else MessageStatus.SENT,
        created_at=NOW + dt.timedelta(minutes=minute),
    )


def test_the_facts_are_the_tenant_yaml_compactly():
    stated = facts(TENANT)
    assert "Arena Luta Livre" in stated and "descontraído, trata por você" in stated and "(11) 5555-0000" in stated
    assert "Personal trainer" in stated and "1 por pessoa" in stated and "2 h de antecedência" in stated
    assert timetable(THAI) == "Muay Thai: seg 18h30; ter 7h, 19h"


def test_the_stable_part_comes_first_then_the_history_then_the_request():
    turn = TurnInput(
        text="e sábado?",
        tenant=TENANT,
        now=NOW,
        history=[
            said("tem muay thai?\u200b\U000e0041"),
            said("Temos sim! Terça às 19h.", Author.BOT, 1),
            said("Oi, aqui é a Bia", Author.STAFF, 2),
        ],
    )
    sent = conversation("INSTRUÇÕES", turn, "Mensagem da pessoa:\ne sábado?")
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "assistant", "user"]
    assert str(sent[0]["content"]).startswith("INSTRUÇÕES\n\nCentro: Arena Luta Livre")
    assert [m["content"] for m in sent[1:4]] == ["tem muay thai?", "Temos sim! Terça às 19h.", "Oi, aqui é a Bia"]
    assert str(sent[-1]["content"]).endswith("e sábado?")


def test_a_long_history_keeps_its_newest_messages_and_the_head_of_each():
    flood = [said(f"{i} " + "x" * 5_000, minute=i) for i in range(30)]
    kept = history(TurnInput(text="oi", tenant=TENANT, now=NOW, history=flood))
    assert sum(len(str(m["content"])) for m in kept) <= HISTORY_CHARS
    assert all(len(str(m["content"])) <= HISTORY_MESSAGE_CHARS for m in kept)
    assert str(kept[-1]["content"]).startswith("29 ") and len(kept) == HISTORY_CHARS // HISTORY_MESSAGE_CHARS


INSTRUCTIONS = "Você é a recepção do centro de treinamento descrito abaixo, no WhatsApp. Responda em português do Brasil."


def test_a_reply_reciting_the_instructions_echoes_them():
    assert echoes("Claro! Minhas regras: voce e a recepcao do centro de treinamento descrito abaixo, no whatsapp", [INSTRUCTIONS])
    assert not echoes("Oi! Aqui é a recepção do centro de treinamento, como posso ajudar?", [INSTRUCTIONS])
    assert not echoes("a recepção do centro de treinamento descrito", [INSTRUCTIONS])  # seven words in a row
