import attrs
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.postgres.repositories.channels import PostgresChannelRepository
from adapters.postgres.repositories.clients import PostgresClientRepository
from adapters.postgres.repositories.conversations import PostgresConversationRepository
from adapters.postgres.repositories.erasure_requests import PostgresErasureRequestRepository
from adapters.postgres.repositories.erasures import PostgresErasureRepository
from adapters.postgres.repositories.escalations import PostgresEscalationRepository
from adapters.postgres.repositories.login_failures import PostgresLoginFailureRepository
from adapters.postgres.repositories.messages import PostgresMessageRepository
from adapters.postgres.repositories.outbox import PostgresOutboxRepository
from adapters.postgres.repositories.staff_sessions import PostgresStaffSessionRepository
from adapters.postgres.repositories.staff_users import PostgresStaffUserRepository
from adapters.postgres.repositories.status_changes import PostgresStatusChangeRepository
from adapters.postgres.repositories.tenants import PostgresTenantRepository
from adapters.postgres.repositories.trial_classes import PostgresTrialClassRepository


@attrs.define
class PostgresUnitOfWork:
    """One session, one transaction. The session's owner closes it, rolling back what was not committed."""

    session: AsyncSession
    tenants: PostgresTenantRepository = attrs.field(init=False)
    channels: PostgresChannelRepository = attrs.field(init=False)
    clients: PostgresClientRepository = attrs.field(init=False)
    conversations: PostgresConversationRepository = attrs.field(init=False)
    status_changes: PostgresStatusChangeRepository = attrs.field(init=False)
    messages: PostgresMessageRepository = attrs.field(init=False)
    escalations: PostgresEscalationRepository = attrs.field(init=False)
    outbox: PostgresOutboxRepository = attrs.field(init=False)
    trial_classes: PostgresTrialClassRepository = attrs.field(init=False)
    erasure_requests: PostgresErasureRequestRepository = attrs.field(init=False)
    erasures: PostgresErasureRepository = attrs.field(init=False)
    staff_users: PostgresStaffUserRepository = attrs.field(init=False)
    staff_sessions: PostgresStaffSessionRepository = attrs.field(init=False)
    login_failures: PostgresLoginFailureRepository = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.tenants = PostgresTenantRepository(self.session)
        self.channels = PostgresChannelRepository(self.session)
        self.clients = PostgresClientRepository(self.session)
        self.conversations = PostgresConversationRepository(self.session)
        self.status_changes = PostgresStatusChangeRepository(self.session)
        self.messages = PostgresMessageRepository(self.session)
        self.escalations = PostgresEscalationRepository(self.session)
        self.outbox = PostgresOutboxRepository(self.session)
        self.trial_classes = PostgresTrialClassRepository(self.session)
        self.erasure_requests = PostgresErasureRequestRepository(self.session)
        self.erasures = PostgresErasureRepository(self.session)
        self.staff_users = PostgresStaffUserRepository(self.session)
        self.staff_sessions = PostgresStaffSessionRepository(self.session)
        self.login_failures = PostgresLoginFailureRepository(self.session)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
