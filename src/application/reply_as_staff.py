import datetime as dt
import uuid

import attrs

from application.clock import Clock
from application.errors import ApplicationError
from application.staff_actions import record, staff_conversation
from application.staff_identity import StaffIdentity
from application.unit_of_work import UnitOfWork
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import OutboxEntry


class NothingToReplyTo(ApplicationError):
    """The conversation has no message to learn its channel from."""


@attrs.define
class ReplyAsStaff:
    """A staff member's reply typed in the dashboard. It goes out like the bot's (the outbox, then
    the channel's gateway, with its retries), on the channel the member last wrote through, and is
    kept as a staff message. Replying takes the conversation over, as writing from the phone does."""

    uow: UnitOfWork
    clock: Clock
    pause: dt.timedelta

    async def execute(self, staff: StaffIdentity, conversation_id: uuid.UUID, text: str) -> Message:
        conversation = await staff_conversation(self.uow, staff, conversation_id)
        client = await self.uow.clients.get(staff.tenant_id, conversation.client_id)
        latest = (await self.uow.messages.recent(staff.tenant_id, conversation.id, 1)) or (
            await self.uow.messages.for_conversation(staff.tenant_id, conversation.id)
        )
        if client is None or not latest:
            raise NothingToReplyTo(f"conversation {conversation.id} has no channel to reply on")
        now = self.clock.now()
        change = conversation.take_over(now, self.pause, "staff replied from the dashboard")
        reply = Message(
            tenant_id=staff.tenant_id,
            conversation_id=conversation.id,
            channel_id=latest[-1].channel_id,
            direction=Direction.OUTBOUND,
            author=Author.STAFF,
            text=text,
            status=MessageStatus.PENDING,
            created_at=now,
        )
        self.uow.messages.add(reply)
        self.uow.outbox.add(OutboxEntry(tenant_id=staff.tenant_id, message_id=reply.id, recipient=str(client.phone), next_attempt_at=now))
        record(self.uow, staff, change or conversation.note(now, "staff replied from the dashboard"))
        await self.uow.commit()
        return reply
