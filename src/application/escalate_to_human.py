import datetime as dt

import attrs

from application import replies
from application.clock import Clock
from application.triage import Triage
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation
from domain.escalation import Escalation, EscalationReason
from domain.tenant import Tenant


@attrs.define
class EscalateToHuman:
    """Records why a person is needed, hands the conversation to staff and says so to the member.
    Runs inside the caller's unit of work; the caller commits."""

    uow: UnitOfWork
    clock: Clock
    pause: dt.timedelta

    def execute(self, tenant: Tenant, conversation: Conversation, triage: Triage) -> str:
        now = self.clock.now()
        reason = EscalationReason.PAID_SERVICE if triage.paid_service else EscalationReason.HUMAN_REQUESTED
        self.uow.escalations.add(
            Escalation(
                tenant_id=tenant.id,
                conversation_id=conversation.id,
                reason=reason,
                subject=triage.paid_service,
                created_at=now,
            )
        )
        cause = f"escalated: {triage.paid_service}" if triage.paid_service else "escalated: the member asked for a person"
        if change := conversation.hand_to_human(now, self.pause, cause):
            self.uow.status_changes.add(change)
        return escalation_reply(tenant, triage)


def escalation_reply(tenant: Tenant, triage: Triage) -> str:
    """What the member is told when a turn escalates."""
    if triage.paid_service:
        return replies.escalated_paid_service(tenant, triage.paid_service)
    return replies.escalated_on_request(tenant)
