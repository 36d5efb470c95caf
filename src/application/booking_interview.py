import datetime as dt

import attrs

from application import replies
from application.booking_extractor import BookingDetails, BookingIntent
from application.clock import Clock
from application.register_trial_class import RegisterTrialClass
from application.unit_of_work import UnitOfWork
from domain.booking import BookingPolicy, BookingRefused, TrialLimitReached
from domain.client import Client
from domain.conversation import Conversation
from domain.flow import Awaiting, Interview
from domain.tenant import Modality, Tenant


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
            conversation.end_interview()
            return replies.booking_abandoned()
        if details.intent in (BookingIntent.CHECK, BookingIntent.CANCEL_BOOKED):
            upcoming = [t for t in await self.uow.trial_classes.for_client(tenant.id, client.id) if t.is_upcoming(now)]
            if details.intent is BookingIntent.CHECK:
                return replies.trials_booked(tenant, upcoming)
            for trial in upcoming:
                trial.cancel(now)
            conversation.end_interview()
            return replies.trials_cancelled(tenant, upcoming)

        interview = conversation.interview or Interview()
        if interview.awaiting is Awaiting.CONFIRMATION and not details.changes:
            if details.answer is True:
                return await self._confirm(tenant, conversation, client, interview)
            if details.answer is False:
                conversation.continue_interview(interview.without_when().asking(Awaiting.WHEN))
                return replies.ask_what_to_change()
            return replies.ask_confirmation_again()
        interview, reply = await self.next_step(tenant, client, interview.merge(**details.changes))
        if interview.awaiting is Awaiting.LIMIT_REACHED:
            # Nothing left to ask: the interview ends, and the reply offers a person instead.
            conversation.end_interview()
            conversation.offer_human()
        else:
            conversation.continue_interview(interview)
        return reply

    async def pending_question(self, tenant: Tenant, conversation: Conversation, client: Client) -> str | None:
        """The question the interview waits on, to repeat after a detour (a FAQ mid-flow)."""
        if conversation.interview is None:
            return None
        return (await self.next_step(tenant, client, conversation.interview))[1]

    async def next_step(self, tenant: Tenant, client: Client, interview: Interview) -> tuple[Interview, str]:
        now = self.clock.now()
        policy = BookingPolicy(tenant)
        modality = next((m for m in tenant.modalities if m.name == interview.modality), None)
        if modality is None:
            return attrs.evolve(interview, modality=None).asking(Awaiting.MODALITY), replies.ask_modality(tenant)
        if not (interview.day or interview.time or interview.period):
            return interview.asking(Awaiting.WHEN), replies.ask_when(tenant, modality, await self._open_classes(policy, modality, now))
        options = policy.classes_matching(modality, now, interview.day, interview.time, interview.period)
        if not options:
            upcoming = await self._open_classes(policy, modality, now)
            return interview.without_when().asking(Awaiting.WHEN), replies.no_class_then(tenant, modality, upcoming)
        if len(options) > 1:
            return interview.asking(Awaiting.WHEN), replies.choose_among(tenant, modality, options)
        [starts_at] = options
        try:
            await self._check(policy, modality, client, starts_at, now)
        except TrialLimitReached as error:
            return interview.asking(Awaiting.LIMIT_REACHED), replies.refused(tenant, modality, error, [])
        except BookingRefused as error:
            upcoming = await self._open_classes(policy, modality, now)
            return interview.without_when().asking(Awaiting.WHEN), replies.refused(tenant, modality, error, upcoming)
        name = interview.name or client.name
        if not name:
            return interview.asking(Awaiting.NAME, starts_at=starts_at), replies.ask_name()
        ready = interview.asking(Awaiting.CONFIRMATION, starts_at=starts_at, name=name)
        return ready, replies.summary(tenant, modality, starts_at, name)

    async def _confirm(self, tenant: Tenant, conversation: Conversation, client: Client, interview: Interview) -> str:
        modality = next(m for m in tenant.modalities if m.name == interview.modality)
        # The summary is only ever asked with both: next_step reaches CONFIRMATION through them.
        assert interview.starts_at is not None and interview.name is not None
        try:
            trial = await self.register.execute(tenant, conversation, client, modality, interview.starts_at)
        except TrialLimitReached as error:
            conversation.end_interview()
            conversation.offer_human()
            return replies.refused(tenant, modality, error, [])
        except BookingRefused as error:
            upcoming = await self._open_classes(BookingPolicy(tenant), modality, self.clock.now())
            conversation.continue_interview(interview.without_when().asking(Awaiting.WHEN))
            return replies.refused(tenant, modality, error, upcoming)
        client.learn_name(interview.name)
        conversation.end_interview()
        return replies.booked(tenant, trial)

    async def _check(self, policy: BookingPolicy, modality: Modality, client: Client, starts_at: dt.datetime, now: dt.datetime) -> None:
        tenant_id = policy.tenant.id
        mine = await self.uow.trial_classes.for_client(tenant_id, client.id)
        booked = await self.uow.trial_classes.seats_taken(tenant_id, modality.name, starts_at)
        policy.check(modality, starts_at, now, booked_in_class=booked, active_for_person=sum(t.is_active for t in mine))

    async def _open_classes(self, policy: BookingPolicy, modality: Modality, now: dt.datetime) -> list[dt.datetime]:
        """The next bookable classes with a free seat, to offer instead."""
        found: list[dt.datetime] = []
        for starts_at in policy.bookable_classes(modality, now):
            if await self.uow.trial_classes.seats_taken(policy.tenant.id, modality.name, starts_at) < modality.capacity:
                found.append(starts_at)
                if len(found) == self.alternatives:
                    break
        return found
