import datetime as dt
from typing import Any

import attrs

from application import replies
from application.clock import Clock
from application.engine import BookingDetails, BookingIntent
from application.register_trial_class import RegisterTrialClass
from application.unit_of_work import UnitOfWork
from domain.booking import BookingPolicy, BookingRefused, TrialLimitReached
from domain.client import Client
from domain.conversation import Conversation
from domain.tenant import Modality, Tenant

# The key of the interview in the conversation's flow state.
BOOKING = "booking"
# The bot offered to call a person; a "sim" on the next turn escalates.
OFFER_HUMAN = "offer_human"
# The member already had their trial class: nothing to ask, a person is offered instead.
LIMIT_REACHED = "limit_reached"
_PERIODS = {"manha": range(0, 12), "tarde": range(12, 18), "noite": range(18, 24)}


@attrs.frozen
class Interview:
    """What the member said so far towards a booking, and what the bot asked last. Kept as JSON in
    the conversation's flow state, so it survives restarts and waits for the member."""

    modality: str | None = None
    day: dt.date | None = None
    time: dt.time | None = None
    period: str | None = None
    name: str | None = None
    starts_at: dt.datetime | None = None
    awaiting: str | None = None  # "modality" | "when" | "name" | "confirmation"

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> "Interview":
        raw = raw or {}
        parse = {"day": dt.date.fromisoformat, "time": dt.time.fromisoformat, "starts_at": dt.datetime.fromisoformat}
        return cls(**{k: parse[k](v) if k in parse and v else v for k, v in raw.items() if k in attrs.fields_dict(cls)})

    def dump(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, (dt.date, dt.time)) else v for k, v in attrs.asdict(self).items()}

    def merge(self, details: BookingDetails) -> "Interview":
        """New details replace old ones; a new day keeps the time asked for, a new part of the day
        drops an exact time, and the chosen class is worked out again."""
        changes: dict[str, Any] = dict(details.changes)
        if details.period and not details.time:
            changes["time"] = None
        if details.time and not details.period:
            changes["period"] = None
        return attrs.evolve(self, **changes, starts_at=None)

    def without_when(self) -> "Interview":
        return attrs.evolve(self, day=None, time=None, period=None, starts_at=None)


@attrs.define
class ConductBookingInterview:
    """The trial-class interview: modality -> day and time -> name -> summary -> explicit "sim" ->
    `RegisterTrialClass`. Skips what the member already said; rule violations become replies that
    offer the next valid classes. Runs inside the caller's unit of work."""

    uow: UnitOfWork
    clock: Clock
    register: RegisterTrialClass
    alternatives: int = 3

    async def execute(self, tenant: Tenant, conversation: Conversation, client: Client, details: BookingDetails) -> str:
        now = self.clock.now()
        if details.intent is BookingIntent.ABORT:
            conversation.set_flow(BOOKING, None)
            return replies.booking_abandoned()
        if details.intent in (BookingIntent.CHECK, BookingIntent.CANCEL_BOOKED):
            upcoming = [t for t in await self.uow.trial_classes.for_client(tenant.id, client.id) if t.is_upcoming(now)]
            if details.intent is BookingIntent.CHECK:
                return replies.trials_booked(tenant, upcoming)
            for trial in upcoming:
                trial.cancel(now)
            conversation.set_flow(BOOKING, None)
            return replies.trials_cancelled(tenant, upcoming)

        interview = Interview.load(conversation.flow_state.get(BOOKING))
        if interview.awaiting == "confirmation" and not details.changes:
            if details.answer is True:
                return await self._confirm(tenant, conversation, client, interview)
            if details.answer is False:
                conversation.set_flow(BOOKING, attrs.evolve(interview.without_when(), awaiting="when").dump())
                return replies.ask_what_to_change()
            return replies.ask_confirmation_again()
        interview, reply = await self.next_step(tenant, client, interview.merge(details))
        if interview.awaiting == LIMIT_REACHED:
            # Nothing left to ask: the interview ends, and the reply offers a person instead.
            conversation.set_flow(BOOKING, None)
            conversation.set_flow(OFFER_HUMAN, True)
        else:
            conversation.set_flow(BOOKING, interview.dump())
        return reply

    async def pending_question(self, tenant: Tenant, conversation: Conversation, client: Client) -> str | None:
        """The question the interview waits on, to repeat after a detour (a FAQ mid-flow)."""
        if BOOKING not in conversation.flow_state:
            return None
        return (await self.next_step(tenant, client, Interview.load(conversation.flow_state[BOOKING])))[1]

    async def next_step(self, tenant: Tenant, client: Client, interview: Interview) -> tuple[Interview, str]:
        now = self.clock.now()
        policy = BookingPolicy(tenant)
        modality = next((m for m in tenant.modalities if m.name == interview.modality), None)
        if modality is None:
            return attrs.evolve(interview, modality=None, awaiting="modality"), replies.ask_modality(tenant)
        if not (interview.day or interview.time or interview.period):
            return attrs.evolve(interview, awaiting="when"), replies.ask_when(tenant, modality, await self._open_classes(policy, modality, now))
        options = self._matching(policy, modality, interview, now)
        if not options:
            upcoming = await self._open_classes(policy, modality, now)
            return attrs.evolve(interview.without_when(), awaiting="when"), replies.no_class_then(tenant, modality, upcoming)
        if len(options) > 1:
            return attrs.evolve(interview, awaiting="when"), replies.choose_among(tenant, modality, options)
        [starts_at] = options
        try:
            await self._check(policy, modality, client, starts_at, now)
        except TrialLimitReached as error:
            return attrs.evolve(interview, awaiting=LIMIT_REACHED), replies.refused(tenant, modality, error, [])
        except BookingRefused as error:
            upcoming = await self._open_classes(policy, modality, now)
            return attrs.evolve(interview.without_when(), awaiting="when"), replies.refused(tenant, modality, error, upcoming)
        name = interview.name or client.name
        if not name:
            return attrs.evolve(interview, starts_at=starts_at, awaiting="name"), replies.ask_name()
        ready = attrs.evolve(interview, starts_at=starts_at, name=name, awaiting="confirmation")
        return ready, replies.summary(tenant, modality, starts_at, name)

    async def _confirm(self, tenant: Tenant, conversation: Conversation, client: Client, interview: Interview) -> str:
        modality = next(m for m in tenant.modalities if m.name == interview.modality)
        try:
            trial = await self.register.execute(tenant, conversation, client, modality, interview.starts_at)
        except TrialLimitReached as error:
            conversation.set_flow(BOOKING, None)
            conversation.set_flow(OFFER_HUMAN, True)
            return replies.refused(tenant, modality, error, [])
        except BookingRefused as error:
            upcoming = await self._open_classes(BookingPolicy(tenant), modality, self.clock.now())
            conversation.set_flow(BOOKING, attrs.evolve(interview.without_when(), awaiting="when").dump())
            return replies.refused(tenant, modality, error, upcoming)
        client.learn_name(interview.name)
        conversation.set_flow(BOOKING, None)
        return replies.booked(tenant, trial)

    async def _check(self, policy: BookingPolicy, modality: Modality, client: Client, starts_at: dt.datetime, now: dt.datetime) -> None:
        tenant_id = policy.tenant.id
        mine = await self.uow.trial_classes.for_client(tenant_id, client.id)
        booked = await self.uow.trial_classes.confirmed_in_class(tenant_id, modality.name, starts_at)
        policy.check(modality, starts_at, now, booked_in_class=booked, active_for_person=sum(t.is_active for t in mine))

    @staticmethod
    def _matching(policy: BookingPolicy, modality: Modality, interview: Interview, now: dt.datetime) -> list[dt.datetime]:
        """The classes the member's words point at: on the day they named (or the soonest bookable
        ones), at the time they named (7h also means 19h when only 19h exists) or in the part of the day."""
        candidates = policy.classes_on(modality, interview.day) if interview.day else list(policy.bookable_classes(modality, now))
        local = [(c, c.astimezone(policy.tenant.zone)) for c in candidates]
        if interview.time:
            wanted = {interview.time}
            if interview.time.hour < 12 and not interview.period:
                wanted.add(interview.time.replace(hour=interview.time.hour + 12))
            exact = [c for c, at in local if at.time().replace(tzinfo=None) == interview.time]
            picked = exact or [c for c, at in local if at.time().replace(tzinfo=None) in wanted]
        elif interview.period:
            picked = [c for c, at in local if at.hour in _PERIODS.get(interview.period, range(0))]
        else:
            picked = [c for c, _ in local]
        if len(picked) > 1:
            # Classes already over are no options; one named exactly is kept, to be refused with the reason.
            picked = [c for c in picked if c > now]
        if not interview.day and picked:
            first_day = picked[0].astimezone(policy.tenant.zone).date()
            picked = [c for c in picked if c.astimezone(policy.tenant.zone).date() == first_day]
            if interview.time:
                picked = picked[:1]
        return picked

    async def _open_classes(self, policy: BookingPolicy, modality: Modality, now: dt.datetime) -> list[dt.datetime]:
        """The next bookable classes with a free seat, to offer instead."""
        found: list[dt.datetime] = []
        for starts_at in policy.bookable_classes(modality, now):
            if await self.uow.trial_classes.confirmed_in_class(policy.tenant.id, modality.name, starts_at) < modality.capacity:
                found.append(starts_at)
                if len(found) == self.alternatives:
                    break
        return found
