import datetime as dt
import uuid

import attrs

from application.clock import Clock
from application.staff_actions import record, staff_conversation
from application.staff_identity import StaffIdentity
from application.unit_of_work import UnitOfWork


@attrs.define
class TakeOverConversation:
    """Staff answer this member themselves: the bot stays quiet until they hand it back, or until
    `pause` passes without staff writing (as when staff write from the phone)."""

    uow: UnitOfWork
    clock: Clock
    pause: dt.timedelta

    async def execute(self, staff: StaffIdentity, conversation_id: uuid.UUID) -> None:
        conversation = await staff_conversation(self.uow, staff, conversation_id)
        now, cause = self.clock.now(), "taken over from the dashboard"
        record(self.uow, staff, conversation.take_over(now, self.pause, cause) or conversation.note(now, cause))
        await self.uow.commit()
