import uuid
from collections.abc import Sequence

import attrs

from application.unit_of_work import UnitOfWork


@attrs.frozen(kw_only=True)
class Forgotten:
    """How many rows of each kind went."""

    conversations: int = 0
    messages: int = 0
    outbox: int = 0
    escalations: int = 0
    status_changes: int = 0

    def __add__(self, other: "Forgotten") -> "Forgotten":
        return Forgotten(**{name: getattr(self, name) + getattr(other, name) for name in attrs.fields_dict(Forgotten)})


async def forget_conversations(uow: UnitOfWork, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> Forgotten:
    """Deletes the conversations and everything in them, children first (outbox entries before
    their messages), in the caller's unit of work. Their trial classes are left to the caller, who
    unlinks them first: a class keeps its seat."""
    outbox = await uow.outbox.delete_for_conversations(tenant_id, conversation_ids)
    messages = await uow.messages.delete_for_conversations(tenant_id, conversation_ids)
    escalations = await uow.escalations.delete_for_conversations(tenant_id, conversation_ids)
    status_changes = await uow.status_changes.delete_for_conversations(tenant_id, conversation_ids)
    conversations = await uow.conversations.delete(tenant_id, conversation_ids)
    return Forgotten(conversations=conversations, messages=messages, outbox=outbox, escalations=escalations, status_changes=status_changes)
