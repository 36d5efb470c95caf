import uuid

import attrs

from application.clock import Clock
from application.staff_actions import record, resolve_escalations, staff_conversation
from application.staff_identity import StaffIdentity
from application.unit_of_work import UnitOfWork


@attrs.define
class HandBackToBot:
    """The bot answers this member again; whatever escalation was open is dealt with."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, staff: StaffIdentity, conversation_id: uuid.UUID) -> None:
        conversation = await staff_conversation(self.uow, staff, conversation_id)
        now, cause = self.clock.now(), "handed back to the bot from the dashboard"
        await resolve_escalations(self.uow, conversation, now)
        record(self.uow, staff, conversation.resume(now, cause) or conversation.note(now, cause))
        await self.uow.commit()
