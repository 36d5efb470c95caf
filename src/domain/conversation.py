import datetime as dt
import uuid
from enum import StrEnum

import attrs

from domain.errors import InvalidTransition
from domain.flow import FlowState, Interview


class ConversationStatus(StrEnum):
    BOT = "bot"  # the bot answers
    WAITING_HUMAN = "waiting_human"  # escalated; the bot is quiet until staff or the timeout resume it
    HUMAN = "human"  # staff is talking; the bot is quiet
    CLOSED = "closed"


_QUIET = {ConversationStatus.WAITING_HUMAN, ConversationStatus.HUMAN}


@attrs.define(slots=False, kw_only=True)
class StatusChange:
    """One transition of a conversation, and who or what caused it: the handoff's audit trail."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    before: ConversationStatus
    after: ConversationStatus
    cause: str
    at: dt.datetime
    actor: uuid.UUID | None = None  # the staff user who caused it; None for the bot, the member, a timeout


@attrs.define(slots=False, kw_only=True)
class Conversation:
    """A client's thread with a tenant. Its status decides whether the bot may speak; every change
    of status is returned as a `StatusChange` for the caller to record."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    status: ConversationStatus = ConversationStatus.BOT
    paused_until: dt.datetime | None = None
    flow: FlowState = attrs.field(factory=FlowState)
    created_at: dt.datetime

    @property
    def bot_may_reply(self) -> bool:
        return self.status is ConversationStatus.BOT

    def _move(self, after: ConversationStatus, now: dt.datetime, cause: str) -> StatusChange | None:
        if self.status is ConversationStatus.CLOSED:
            raise InvalidTransition(f"a closed conversation cannot become {after}")
        before, self.status = self.status, after
        if before is after:
            return None
        return StatusChange(tenant_id=self.tenant_id, conversation_id=self.id, before=before, after=after, cause=cause, at=now)

    def note(self, now: dt.datetime, cause: str) -> StatusChange:
        """An action that leaves the status as it is, for the audit trail (staff resolved an
        escalation, or took over a conversation they already had)."""
        return StatusChange(tenant_id=self.tenant_id, conversation_id=self.id, before=self.status, after=self.status, cause=cause, at=now)

    def hand_to_human(self, now: dt.datetime, pause: dt.timedelta, cause: str) -> StatusChange | None:
        """Escalated: the bot waits for staff, at most `pause`."""
        change = self._move(ConversationStatus.WAITING_HUMAN, now, cause)
        self.paused_until = now + pause
        self.flow = FlowState()
        return change

    def take_over(self, now: dt.datetime, pause: dt.timedelta, cause: str) -> StatusChange | None:
        """Staff wrote: the bot stays quiet until `pause` passes without staff writing again."""
        change = self._move(ConversationStatus.HUMAN, now, cause)
        self.paused_until = now + pause
        return change

    def resume(self, now: dt.datetime, cause: str) -> StatusChange | None:
        change = self._move(ConversationStatus.BOT, now, cause)
        self.paused_until = None
        return change

    def close(self, now: dt.datetime, cause: str) -> StatusChange | None:
        """Ends the conversation: the member's next message opens a new one."""
        change = self._move(ConversationStatus.CLOSED, now, cause)
        self.paused_until = None
        self.flow = FlowState()
        return change

    def expire_pause(self, now: dt.datetime) -> StatusChange | None:
        """Hands the conversation back to the bot when its pause ran out."""
        if self.status in _QUIET and self.paused_until is not None and now >= self.paused_until:
            return self.resume(now, "pause ran out")
        return None

    @property
    def interview(self) -> Interview | None:
        return self.flow.interview

    def continue_interview(self, interview: Interview) -> None:
        self.flow = attrs.evolve(self.flow, interview=interview)

    def end_interview(self) -> None:
        self.flow = attrs.evolve(self.flow, interview=None)

    def offer_human(self) -> None:
        """The reply offers to call a person: the member's next "sim" accepts."""
        self.flow = attrs.evolve(self.flow, offered_human=True)

    def forget_offer(self) -> None:
        """A new turn: an offer not taken up at once lapses."""
        self.flow = attrs.evolve(self.flow, offered_human=False)
