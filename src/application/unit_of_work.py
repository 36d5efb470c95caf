from typing import Protocol

from domain.repositories import (
    ChannelRepository,
    ClientRepository,
    ConversationRepository,
    ErasureRepository,
    ErasureRequestRepository,
    EscalationRepository,
    LoginFailureRepository,
    MessageRepository,
    OutboxRepository,
    StaffSessionRepository,
    StaffUserRepository,
    StatusChangeRepository,
    TenantRepository,
    TrialClassRepository,
)


class UnitOfWork(Protocol):
    """One transaction over all repositories. Nothing is stored until `commit`; leaving the scope
    without committing discards the changes."""

    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def clients(self) -> ClientRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def status_changes(self) -> StatusChangeRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def escalations(self) -> EscalationRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def trial_classes(self) -> TrialClassRepository: ...

    @property
    def erasure_requests(self) -> ErasureRequestRepository: ...

    @property
    def erasures(self) -> ErasureRepository: ...

    @property
    def staff_users(self) -> StaffUserRepository: ...

    @property
    def staff_sessions(self) -> StaffSessionRepository: ...

    @property
    def login_failures(self) -> LoginFailureRepository: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
