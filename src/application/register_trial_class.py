import datetime as dt

import attrs

from application.clock import Clock
from application.unit_of_work import UnitOfWork
from domain.booking import BookingPolicy
from domain.client import Client
from domain.conversation import Conversation
from domain.tenant import Modality, Tenant
from domain.trial_class import TrialClass


@attrs.define
class RegisterTrialClass:
    """The one place a trial class is written. Runs inside the caller's unit of work, so the booking
    commits together with the reply that announces it. Idempotent: the same conversation asking
    for the same class again gets the booking it already has. Raises `BookingRefused`."""

    uow: UnitOfWork
    clock: Clock

    async def execute(
        self, tenant: Tenant, conversation: Conversation, client: Client, modality: Modality, starts_at: dt.datetime
    ) -> TrialClass:
        await self.uow.trial_classes.serialize_booking(tenant.id, client.id, modality.name, starts_at)
        mine = await self.uow.trial_classes.for_client(tenant.id, client.id)
        same = next(
            (
                t
                for t in mine
                if t.conversation_id == conversation.id and t.modality == modality.name and t.starts_at == starts_at and t.is_active
            ),
            None,
        )
        if same is not None:
            return same
        now = self.clock.now()
        BookingPolicy(tenant).check(
            modality,
            starts_at,
            now,
            booked_in_class=await self.uow.trial_classes.seats_taken(tenant.id, modality.name, starts_at),
            active_for_person=sum(t.is_active for t in mine),
        )
        trial = TrialClass(
            tenant_id=tenant.id,
            client_id=client.id,
            conversation_id=conversation.id,
            modality=modality.name,
            starts_at=starts_at,
            created_at=now,
        )
        self.uow.trial_classes.add(trial)
        return trial
