import attrs

from application.clock import Clock
from application.forget_conversations import Forgotten, forget_conversations
from application.members import clients_by_phone, tenant_by_slug
from application.unit_of_work import UnitOfWork
from domain.erasure import Erasure
from domain.phone import Phone


@attrs.define
class EraseMemberData:
    """Deletes what a tenant stores about a member (client record, conversations, messages, outbox
    entries, escalations, status changes) and anonymizes their trial classes, which keep their seats.
    Fulfils the member's erasure requests. Idempotent: once erased, there is nothing left to delete.
    Each run leaves an audit row with the counts and nothing of the member."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, tenant_slug: str, phone: Phone, cause: str) -> Erasure:
        tenant = await tenant_by_slug(self.uow, tenant_slug)
        now = self.clock.now()
        forgotten, clients, trial_classes, requests = Forgotten(), 0, 0, 0
        for client in await clients_by_phone(self.uow, tenant, phone):
            conversations = [c.id for c in await self.uow.conversations.for_client(tenant.id, client.id)]
            trial_classes += await self.uow.trial_classes.anonymize_for_client(tenant.id, client.id)
            forgotten += await forget_conversations(self.uow, tenant.id, conversations)
            requests += await self.uow.erasure_requests.fulfil_for_client(tenant.id, client.id, now)
            clients += await self.uow.clients.delete(tenant.id, client.id)
        erasure = Erasure(
            tenant_id=tenant.id,
            cause=cause,
            at=now,
            clients=clients,
            trial_classes=trial_classes,
            requests=requests,
            **attrs.asdict(forgotten),
        )
        self.uow.erasures.add(erasure)
        await self.uow.commit()
        return erasure
