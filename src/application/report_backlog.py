import datetime as dt

import attrs

from application.clock import Clock
from application.unit_of_work import UnitOfWork


@attrs.frozen
class Backlog:
    """What the service owes members right now, for whoever is on call."""

    bursts_overdue: int = 0  # members waiting for a turn longer than they should
    replies_overdue: int = 0  # replies decided but not delivered yet (the gateway fails, or no worker runs)
    replies_given_up: int = 0  # replies the channel refused in the last day (e.g. a number not on WhatsApp)

    def __add__(self, other: "Backlog") -> "Backlog":
        """Two channel kinds' backlogs as one."""
        return Backlog(
            bursts_overdue=self.bursts_overdue + other.bursts_overdue,
            replies_overdue=self.replies_overdue + other.replies_overdue,
            replies_given_up=self.replies_given_up + other.replies_given_up,
        )

    @property
    def behind(self) -> bool:
        return self.bursts_overdue > 0 or self.replies_overdue > 0


@attrs.define
class ReportBacklog:
    """Counts what is late on `channel_kind` channels. `grace` is how late is late: a burst is
    answered and a reply delivered well within it when workers and the gateway are fine."""

    uow: UnitOfWork
    clock: Clock
    grace: dt.timedelta = dt.timedelta(minutes=1)

    async def execute(self, channel_kind: str) -> Backlog:
        now = self.clock.now()
        return Backlog(
            bursts_overdue=await self.uow.conversations.count_overdue(now - self.grace, channel_kind),
            replies_overdue=await self.uow.outbox.count_overdue(now - self.grace, channel_kind),
            replies_given_up=await self.uow.outbox.count_given_up(now - dt.timedelta(days=1), channel_kind),
        )
