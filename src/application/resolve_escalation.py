import datetime as dt
import uuid

import attrs

from application.clock import Clock
from application.staff_actions import record, resolve_escalations, staff_conversation
from application.staff_identity import StaffIdentity
from application.unit_of_work import UnitOfWork
from domain.conversation import ConversationStatus


@attrs.define
class ResolveEscalation:
    """Staff dealt with what the member was escalated for. A conversation still waiting for staff
    becomes staff's (no longer counted as waiting), as if taken over; the bot stays quiet until it
    is handed back or `pause` passes."""

    uow: UnitOfWork
    clock: Clock
    pause: dt.timedelta

    async def execute(self, staff: StaffIdentity, conversation_id: uuid.UUID) -> None:
        conversation = await staff_conversation(self.uow, staff, conversation_id)
        now, cause = self.clock.now(), "escalation resolved from the dashboard"
        await resolve_escalations(self.uow, conversation, now)
        change = conversation.take_over(now, self.pause, cause) if conversation.status is ConversationStatus.WAITING_HUMAN else None
        record(self.uow, staff, change or conversation.note(now, cause))
        await self.uow.commit()
