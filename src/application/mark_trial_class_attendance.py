import uuid

import attrs
import structlog

from application.clock import Clock
from application.errors import UnknownTrialClass
from application.members import tenant_by_id
from application.unit_of_work import UnitOfWork
from domain.trial_class import TrialClass

log = structlog.get_logger(__name__)


@attrs.define
class MarkTrialClassAttendance:
    """Staff say whether the member came to their trial class. Raises `UnknownTrialClass` (also for
    another tenant's class) and `AttendanceNotOpen` (cancelled, or a day not come yet)."""

    uow: UnitOfWork
    clock: Clock

    async def execute(self, tenant_id: uuid.UUID, trial_class_id: uuid.UUID, attended: bool, actor: str) -> TrialClass:
        tenant = await tenant_by_id(self.uow, tenant_id)
        trial = await self.uow.trial_classes.get(tenant.id, trial_class_id)
        if trial is None:
            raise UnknownTrialClass(f"no trial class {trial_class_id} for tenant {tenant.slug}")
        trial.mark_attendance(attended, self.clock.now(), tenant.zone)
        await self.uow.commit()
        # No table records who changed a class: the log line is the audit trail.
        log.info("trial_class.attendance", tenant=tenant.slug, trial_class=str(trial.id), status=trial.status.value, actor=actor)
        return trial
