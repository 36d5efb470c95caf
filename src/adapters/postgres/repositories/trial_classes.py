import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import trial_classes
from domain.trial_class import TrialClass, TrialClassStatus


class PostgresTrialClassRepository(Repository):
    async def serialize_booking(self, tenant_id: uuid.UUID, client_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> None:
        # Transaction-scoped advisory locks, always client first then class, so two bookings can
        # only wait on each other, never deadlock.
        await self._tenant(tenant_id)
        for key in (f"trial:client:{client_id}", f"trial:class:{tenant_id}:{modality}:{starts_at.astimezone(dt.UTC).isoformat()}"):
            await self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))

    async def seats_taken(self, tenant_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> int:
        await self._tenant(tenant_id)
        query = (
            sa.select(sa.func.count())
            .select_from(trial_classes)
            .where(
                trial_classes.c.tenant_id == tenant_id,
                trial_classes.c.modality == modality,
                trial_classes.c.starts_at == starts_at,
                trial_classes.c.status != TrialClassStatus.CANCELLED.value,
            )
        )
        return await self.session.scalar(query) or 0

    async def get(self, tenant_id: uuid.UUID, trial_class_id: uuid.UUID) -> TrialClass | None:
        await self._tenant(tenant_id)
        query = sa.select(TrialClass).where(trial_classes.c.tenant_id == tenant_id, trial_classes.c.id == trial_class_id)
        return await self.session.scalar(query)

    async def starting_between(self, tenant_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> Sequence[TrialClass]:
        await self._tenant(tenant_id)
        query = (
            sa.select(TrialClass)
            .where(trial_classes.c.tenant_id == tenant_id, trial_classes.c.starts_at >= start, trial_classes.c.starts_at < end)
            .order_by(trial_classes.c.starts_at, trial_classes.c.modality, trial_classes.c.created_at)
        )
        return (await self.session.scalars(query)).all()

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[TrialClass]:
        await self._tenant(tenant_id)
        return await self._ordered(trial_classes.c.tenant_id == tenant_id, trial_classes.c.client_id == client_id)

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[TrialClass]:
        await self._tenant(tenant_id)
        return await self._ordered(trial_classes.c.tenant_id == tenant_id, trial_classes.c.conversation_id == conversation_id)

    async def anonymize_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(
            sa.update(trial_classes)
            .where(trial_classes.c.tenant_id == tenant_id, trial_classes.c.client_id == client_id)
            .values(client_id=None, conversation_id=None)
        )

    async def detach_from_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(
            sa.update(trial_classes)
            .where(trial_classes.c.tenant_id == tenant_id, trial_classes.c.conversation_id.in_(conversation_ids))
            .values(conversation_id=None)
        )

    async def _ordered(self, *conditions: sa.ColumnElement[bool]) -> Sequence[TrialClass]:
        query = sa.select(TrialClass).where(*conditions).order_by(trial_classes.c.starts_at)
        return (await self.session.scalars(query)).all()
