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
    """Records why a person is needed, hands the conversation to staff and says so to the member,
    and, outside the center's business hours, that staff are away. The bot waits the center's
    `front_desk.human_pause_hours`, else `pause`. Runs inside the caller's unit of work; the
    caller commits."""

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
        if change := conversation.hand_to_human(now, human_pause(tenant, self.pause), cause):
            self.uow.status_changes.add(change)
        return escalation_reply(tenant, triage, now)


def escalation_reply(tenant: Tenant, triage: Triage, now: dt.datetime) -> str:
    """What the member is told when a turn escalates: and, outside the center's business hours,
    that staff are away."""
    reply = replies.escalated_paid_service(tenant, triage.paid_service) if triage.paid_service else replies.escalated_on_request(tenant)
    if not tenant.front_desk.staffed_at(now.astimezone(tenant.zone)):
        reply += "\n\n" + replies.out_of_hours(tenant)
    return reply


def human_pause(tenant: Tenant, default: dt.timedelta) -> dt.timedelta:
    """How long the bot stays quiet for staff: the center's own pause, else the deployment's."""
    hours = tenant.front_desk.human_pause_hours
    return default if hours is None else dt.timedelta(hours=hours)
