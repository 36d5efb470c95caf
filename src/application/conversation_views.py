"""What the dashboard shows of conversations: read models, built by one query each, never changed
through them (the actions go through the entities and the unit of work)."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Protocol

import attrs

from domain.conversation import ConversationStatus
from domain.escalation import EscalationReason
from domain.message import Author, MessageStatus
from domain.phone import Phone


@attrs.frozen(kw_only=True)
class ConversationSummary:
    """One line of the inbox."""

    id: uuid.UUID
    status: ConversationStatus
    member_name: str | None
    phone: Phone
    last_message: str | None
    last_message_at: dt.datetime | None
    # Since when the member waits for someone: the open escalation's start, else their unanswered
    # message's arrival; None when nobody owes them an answer.
    waiting_since: dt.datetime | None

    @property
    def masked_phone(self) -> str:
        """Staff see who it is by name; the number is a member's data, shown by its end alone."""
        return "•••• " + self.phone.digits[-4:]


@attrs.frozen(kw_only=True)
class ModelCallView:
    model: str
    decision: str
    outcome: str
    tokens: int  # prompt and completion


@attrs.frozen(kw_only=True)
class TranscriptLine:
    id: uuid.UUID
    author: Author
    text: str
    at: dt.datetime
    route: str | None  # member messages: the route of the turn that answered them
    status: MessageStatus
    delivery_status: str | None  # outbound: the channel's latest ack (SERVER_ACK, DELIVERY_ACK, READ ...)
    send_error: str | None  # outbound: why the last attempt failed, while it is not delivered
    model_calls: Sequence[ModelCallView] = ()  # the newest member message of a turn: the calls the turn made


@attrs.frozen(kw_only=True)
class EscalationView:
    id: uuid.UUID
    reason: EscalationReason
    subject: str | None
    at: dt.datetime
    resolved_at: dt.datetime | None


@attrs.frozen(kw_only=True)
class Transcript:
    summary: ConversationSummary
    paused_until: dt.datetime | None
    lines: Sequence[TranscriptLine]
    escalations: Sequence[EscalationView]


class ConversationViews(Protocol):
    """Read models of one tenant's conversations; every query is scoped by `tenant_id`."""

    async def inbox(self, tenant_id: uuid.UUID, limit: int) -> Sequence[ConversationSummary]:
        """At most `limit` conversations: those waiting for staff first, the longest waiting first;
        then the others, the most recently active first."""

    async def waiting(self, tenant_id: uuid.UUID) -> int:
        """How many conversations wait for staff (escalated, nobody answering yet)."""

    async def transcript(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Transcript | None:
        """Every message oldest first, with delivery and model-call details; None when the tenant has
        no such conversation."""
