import uuid

import attrs

from application.clock import Clock
from application.staff_actions import record, resolve_escalations, staff_conversation
from application.staff_identity import StaffIdentity
from application.unit_of_work import UnitOfWork
from domain.conversation import ConversationStatus


@attrs.define
class CloseConversation:
    """Ends the conversation (its escalations resolved); the member's next message starts a new
    one, answered by the bot. Closing a closed conversation does nothing."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, staff: StaffIdentity, conversation_id: uuid.UUID) -> None:
        conversation = await staff_conversation(self.uow, staff, conversation_id)
        if conversation.status is ConversationStatus.CLOSED:
            return
        now = self.clock.now()
        await resolve_escalations(self.uow, conversation, now)
        change = conversation.close(now, "closed from the dashboard")
        if change:
            record(self.uow, staff, change)
        await self.uow.commit()
