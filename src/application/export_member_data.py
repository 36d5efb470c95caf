from collections.abc import Sequence

import attrs

from application.members import clients_by_phone, tenant_by_slug
from application.unit_of_work import UnitOfWork
from domain.address import Address
from domain.client import Client
from domain.conversation import Conversation, StatusChange
from domain.erasure import ErasureRequest
from domain.escalation import Escalation
from domain.message import Message
from domain.phone import Phone
from domain.trial_class import TrialClass


@attrs.frozen(kw_only=True)
class ConversationRecord:
    conversation: Conversation
    messages: Sequence[Message]
    status_changes: Sequence[StatusChange]
    escalations: Sequence[Escalation]


@attrs.frozen(kw_only=True)
class MemberRecord:
    """Everything one tenant stores about one client record of the member."""

    client: Client
    addresses: Sequence[Address]  # where its channels reach it (a number, a WhatsApp @lid alias)
    conversations: Sequence[ConversationRecord]
    trial_classes: Sequence[TrialClass]
    erasure_requests: Sequence[ErasureRequest]


@attrs.define
class ExportMemberData:
    """What a tenant stores about a member, for the member's right of access (LGPD art. 18). Reads
    only; one record per client record of the member's line (usually one, none once erased)."""

    uow: UnitOfWork

    async def execute(self, tenant_slug: str, phone: Phone) -> Sequence[MemberRecord]:
        tenant = await tenant_by_slug(self.uow, tenant_slug)
        return [await self._record(client) for client in await clients_by_phone(self.uow, tenant, phone)]

    async def _record(self, client: Client) -> MemberRecord:
        tenant_id = client.tenant_id
        conversations = [
            ConversationRecord(
                conversation=conversation,
                messages=await self.uow.messages.for_conversation(tenant_id, conversation.id),
                status_changes=await self.uow.status_changes.for_conversation(tenant_id, conversation.id),
                escalations=await self.uow.escalations.for_conversation(tenant_id, conversation.id),
            )
            for conversation in await self.uow.conversations.for_client(tenant_id, client.id)
        ]
        return MemberRecord(
            client=client,
            addresses=await self.uow.clients.addresses(tenant_id, client.id),
            conversations=conversations,
            trial_classes=await self.uow.trial_classes.for_client(tenant_id, client.id),
            erasure_requests=await self.uow.erasure_requests.for_client(tenant_id, client.id),
        )
