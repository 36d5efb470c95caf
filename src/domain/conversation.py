import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import attrs

from domain.errors import InvalidTransition


class ConversationStatus(StrEnum):
    BOT = "bot"  # the bot answers
    WAITING_HUMAN = "waiting_human"  # escalated; the bot is quiet until staff or the timeout resume it
    HUMAN = "human"  # staff is talking; the bot is quiet
    CLOSED = "closed"


_QUIET = {ConversationStatus.WAITING_HUMAN, ConversationStatus.HUMAN}


@attrs.define(slots=False, kw_only=True)
class Conversation:
    """A client's thread with a tenant. Its status decides whether the bot may speak."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    status: ConversationStatus = ConversationStatus.BOT
    paused_until: dt.datetime | None = None
    flow_state: dict[str, Any] = attrs.field(factory=dict)
    created_at: dt.datetime

    def bot_may_reply(self, now: dt.datetime) -> bool:
        """Whether the bot answers now; a pause that ran out hands the conversation back to the bot."""
        if self.status in _QUIET and self.paused_until is not None and now >= self.paused_until:
            self.resume()
        return self.status is ConversationStatus.BOT

    def hand_to_human(self, now: dt.datetime, pause: dt.timedelta) -> None:
        if self.status is ConversationStatus.CLOSED:
            raise InvalidTransition("a closed conversation cannot be escalated")
        self.status = ConversationStatus.WAITING_HUMAN
        self.paused_until = now + pause
        self.flow_state = {}

    def set_flow(self, key: str, value: Any) -> None:
        """Sets (or with None, clears) one entry of the flow state. A new dict each time, so that
        persistence sees the change."""
        state = {k: v for k, v in self.flow_state.items() if k != key}
        if value is not None:
            state[key] = value
        self.flow_state = state

    def resume(self) -> None:
        if self.status is ConversationStatus.CLOSED:
            raise InvalidTransition("a closed conversation cannot be resumed")
        self.status = ConversationStatus.BOT
        self.paused_until = None
