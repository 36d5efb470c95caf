"""What the dashboard's actions on a conversation share: the conversation is looked up in the
signed-in user's tenant only, and every action leaves a status change naming the user."""

import datetime as dt
import uuid

from application.errors import UnknownConversation
from application.staff_identity import StaffIdentity
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation, StatusChange


async def staff_conversation(uow: UnitOfWork, staff: StaffIdentity, conversation_id: uuid.UUID) -> Conversation:
    conversation = await uow.conversations.get(staff.tenant_id, conversation_id)
    if conversation is None:
        raise UnknownConversation(f"no conversation {conversation_id}")
    return conversation


def record(uow: UnitOfWork, staff: StaffIdentity, change: StatusChange) -> None:
    change.actor = staff.user_id
    uow.status_changes.add(change)


async def resolve_escalations(uow: UnitOfWork, conversation: Conversation, now: dt.datetime) -> int:
    """Resolves the conversation's open escalations; how many were open."""
    opened = [e for e in await uow.escalations.for_conversation(conversation.tenant_id, conversation.id) if e.open]
    for escalation in opened:
        escalation.resolve(now)
    return len(opened)
