from typing import Protocol

from domain.repositories import (
    ChannelRepository,
    ClientRepository,
    ConversationRepository,
    EscalationRepository,
    MessageRepository,
    OutboxRepository,
    StatusChangeRepository,
    TenantRepository,
    TrialClassRepository,
)


class UnitOfWork(Protocol):
    """One transaction over all repositories. Nothing is stored until `commit`; leaving the scope
    without committing discards the changes."""

    tenants: TenantRepository
    channels: ChannelRepository
    clients: ClientRepository
    conversations: ConversationRepository
    status_changes: StatusChangeRepository
    messages: MessageRepository
    escalations: EscalationRepository
    outbox: OutboxRepository
    trial_classes: TrialClassRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
