import uuid

import attrs
import structlog

from application import replies
from application.clock import Clock
from application.errors import UnknownTrialClass
from application.members import tenant_by_id
from application.unit_of_work import UnitOfWork
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import OutboxEntry
from domain.tenant import Tenant
from domain.trial_class import TrialClass

log = structlog.get_logger(__name__)


@attrs.frozen(kw_only=True)
class StaffCancellation:
    trial_class: TrialClass
    member_told: bool  # False: nobody to tell (an erased member, a conversation deleted by retention)


@attrs.define
class CancelTrialClassByStaff:
    """Staff cancel a member's trial class: the seat frees, and the member is told on WhatsApp in
    the same transaction, through the outbox to the channel they last wrote on, as the bot's
    replies are. Raises `UnknownTrialClass` (also for another tenant's class) and `NotCancellable`."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, tenant_id: uuid.UUID, trial_class_id: uuid.UUID, actor: str) -> StaffCancellation:
        tenant = await tenant_by_id(self.uow, tenant_id)
        trial = await self.uow.trial_classes.get(tenant.id, trial_class_id)
        if trial is None:
            raise UnknownTrialClass(f"no trial class {trial_class_id} for tenant {tenant.slug}")
        trial.cancel(self.clock.now())
        told = await self._tell(tenant, trial)
        await self.uow.commit()
        log.info("trial_class.cancelled_by_staff", tenant=tenant.slug, trial_class=str(trial.id), member_told=told, actor=actor)
        return StaffCancellation(trial_class=trial, member_told=told)

    async def _tell(self, tenant: Tenant, trial: TrialClass) -> bool:
        if trial.client_id is None or trial.conversation_id is None:
            return False
        client = await self.uow.clients.get(tenant.id, trial.client_id)
        inbound = [
            m for m in await self.uow.messages.for_conversation(tenant.id, trial.conversation_id) if m.direction is Direction.INBOUND
        ]
        if client is None or not inbound:
            return False
        now = self.clock.now()
        # Written as the bot's: these are the application's words, and the channel's echo of a bot
        # message is recognised as ours (a staff-authored one would read as a person on the phone).
        notice = Message(
            tenant_id=tenant.id,
            conversation_id=trial.conversation_id,
            channel_id=inbound[-1].channel_id,
            direction=Direction.OUTBOUND,
            author=Author.BOT,
            text=replies.cancelled_by_staff(tenant, trial),
            status=MessageStatus.PENDING,
            created_at=now,
        )
        self.uow.messages.add(notice)
        self.uow.outbox.add(OutboxEntry(tenant_id=tenant.id, message_id=notice.id, recipient=str(client.phone), next_attempt_at=now))
        return True
