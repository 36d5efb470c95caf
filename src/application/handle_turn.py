import datetime as dt
import uuid
from collections.abc import Sequence

import attrs
import structlog

from application import replies
from application.answer_question import AnswerQuestion
from application.booking_extractor import BookingDetails, BookingExtractor, BookingIntent
from application.booking_interview import ConductBookingInterview
from application.clock import Clock
from application.errors import ApplicationError
from application.escalate_to_human import EscalateToHuman
from application.record_erasure_request import RecordErasureRequest
from application.small_talker import SmallTalker
from application.triage import Triage, Triager
from application.turn import TurnInput
from application.unit_of_work import UnitOfWork
from domain.address import reply_address
from domain.client import Client
from domain.conversation import Conversation
from domain.erasure import asks_for_erasure
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import OutboxEntry
from domain.route import Route
from domain.tenant import Tenant

# What the engine reads of a burst: its newest messages, up to this many characters. WhatsApp
# allows 65,536 characters a message and a flood has no end, while a question fits in a few
# hundred; the offline engine spends about 25 µs a character and an LLM bills each token. However
# much a member sends, a turn costs what an ordinary question does, and the whole burst gets one
# reply (the rest stays recorded).
TURN_TEXT_LIMIT = 2_000
TURN_MESSAGES = 20


def burst_text(burst: Sequence[Message], limit: int = TURN_TEXT_LIMIT) -> str:
    """The texts of `burst` (oldest first) as one, keeping the newest messages whole while they
    fit and the head of the one that overflows."""
    kept: list[str] = []
    room = limit
    for text in reversed([message.text for message in burst]):
        if room <= 0:
            break
        kept.append(text[:room])
        room -= len(kept[-1]) + 1
    return "\n".join(reversed(kept))


@attrs.frozen
class TurnResult:
    route: Route
    reply: str | None
    handled: int  # inbound messages this turn covered
    burst_started_at: dt.datetime  # when the burst's first message was sent


@attrs.define
class HandleTurn:
    """Answers everything a member said since the last turn as one turn: triage, then answer,
    escalate, book or chat. The reply goes to the outbox in the same transaction.
    While a booking interview is open, a message that says nothing towards it (a FAQ question) is
    answered and the interview's pending question repeated."""

    uow: UnitOfWork
    clock: Clock
    triager: Triager
    extractor: BookingExtractor
    small_talker: SmallTalker
    answer_question: AnswerQuestion
    escalate: EscalateToHuman
    booking: ConductBookingInterview
    record_erasure: RecordErasureRequest
    history_limit: int

    async def execute(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> TurnResult | None:
        """None when there was nothing to answer, or when a new message made this turn stale (the
        conversation stays due and the next turn covers everything)."""
        conversation = await self.uow.conversations.get(tenant_id, conversation_id)
        tenant = await self.uow.tenants.get(tenant_id)
        if conversation is None or tenant is None:
            raise ApplicationError(f"no conversation {conversation_id} for tenant {tenant_id}")
        version = await self.uow.conversations.inbound_version(tenant_id, conversation_id)
        burst = await self.uow.messages.awaiting_turn(tenant_id, conversation_id, TURN_MESSAGES)
        if not burst:
            # Due without news (a duplicate delivery moved the buffer): close it, say nothing.
            if await self.uow.conversations.finish_turn(tenant_id, conversation_id, version):
                await self.uow.commit()
            return None
        route, reply = Route.PAUSED, None
        if change := conversation.expire_pause(self.clock.now()):
            self.uow.status_changes.add(change)
        if conversation.bot_may_reply:
            client = await self._client(conversation)
            # Every line logged while deciding names the turn (its newest message), whoever logs it.
            with structlog.contextvars.bound_contextvars(message=str(burst[-1].id)):
                route, reply = await self._decide(tenant, conversation, client, burst)
            await self._queue_reply(conversation, client, burst[-1], reply)
        # The conversation's row first, then its messages: the order a webhook's store takes them in.
        # Messages first deadlocked with a batch of stores that held the row and waited on one of
        # those messages (its id sent again, for another member).
        if not await self.uow.conversations.finish_turn(tenant_id, conversation_id, version):
            # The member wrote again while this turn was computed: answer the whole burst instead.
            await self.uow.rollback()
            return None
        handled = await self.uow.messages.mark_processed(tenant_id, conversation_id, route)
        await self.uow.commit()
        return TurnResult(route=route, reply=reply, handled=handled, burst_started_at=burst[0].created_at)

    async def _decide(self, tenant: Tenant, conversation: Conversation, client: Client, burst: Sequence[Message]) -> tuple[Route, str]:
        texts = [message for message in burst if message.media is None]
        if not texts:
            return Route.SMALLTALK, replies.media_not_understood(burst[-1].media)
        history = await self.uow.messages.recent(tenant.id, conversation.id, self.history_limit)
        turn = TurnInput(
            text=burst_text(texts),
            tenant=tenant,
            now=self.clock.now().astimezone(tenant.zone),
            history=history,
            flow=conversation.flow,
            conversation_id=conversation.id,
            message_id=texts[-1].id,
        )
        if asks_for_erasure(turn.text):
            # Before any engine: a legal request is recorded by rules, whether or not a model answers.
            return Route.ERASURE_REQUEST, await self.record_erasure.execute(tenant, client)
        triage = await self.triager.triage(turn)
        if conversation.flow.offered_human and triage.agrees:
            triage = Triage(route=Route.ESCALATE, human_requested=True)  # took up the person we offered
        conversation.forget_offer()
        if triage.route is Route.ESCALATE:
            return triage.route, self.escalate.execute(tenant, conversation, triage)
        interviewing = conversation.interview is not None
        details: BookingDetails | None = None
        if triage.route is Route.BOOKING or interviewing:
            details = await self.extractor.extract_booking(turn)
            if triage.route is Route.BOOKING or details.intent is not BookingIntent.NONE or details.changes or details.answer is not None:
                return Route.BOOKING, await self.booking.execute(tenant, conversation, client, details)
        pending = await self.booking.pending_question(tenant, conversation, client) if interviewing else None
        route: Route = triage.route
        if route is Route.FAQ:
            answer = await self.answer_question.execute(turn)
            # The answerer may read the turn better than triage did: its route is followed.
            route = answer.route
            if route is Route.ESCALATE:
                return route, self.escalate.execute(tenant, conversation, Triage(route=route, human_requested=True))
            if route is Route.BOOKING:
                # Details are read once a turn: mid-interview they already were, and finding nothing
                # new, the interview asks its question again.
                if details is None:
                    details = await self.extractor.extract_booking(turn)
                return route, await self.booking.execute(tenant, conversation, client, details)
            reply = answer.text or self._no_answer(tenant, conversation, pending)
        else:
            reply = await self.small_talker.smalltalk(turn)
        return route, reply + replies.back_to_booking(pending) if pending else reply

    def _no_answer(self, tenant: Tenant, conversation: Conversation, pending: str | None) -> str:
        if pending:
            # The booking's pending question is the one a "sim" answers: no offer of a person.
            return replies.not_found(tenant)
        conversation.offer_human()
        return replies.no_answer(tenant)

    async def _client(self, conversation: Conversation) -> Client:
        client = await self.uow.clients.get(conversation.tenant_id, conversation.client_id)
        if client is None:
            raise ApplicationError(f"conversation {conversation.id} has no client")
        return client

    async def _queue_reply(self, conversation: Conversation, client: Client, last: Message, text: str) -> None:
        now = self.clock.now()
        reply = Message(
            tenant_id=conversation.tenant_id,
            conversation_id=conversation.id,
            channel_id=last.channel_id,
            direction=Direction.OUTBOUND,
            author=Author.BOT,
            text=text,
            status=MessageStatus.PENDING,
            created_at=now,
        )
        self.uow.messages.add(reply)
        # The reply leaves through the channel the member last wrote on, to their address there.
        channel = await self.uow.channels.get(last.channel_id)
        addresses = await self.uow.clients.addresses(conversation.tenant_id, client.id)
        recipient = reply_address(client.phone, addresses, channel.kind) if channel else client.phone.digits
        self.uow.outbox.add(OutboxEntry(tenant_id=conversation.tenant_id, message_id=reply.id, recipient=recipient, next_attempt_at=now))
