import uuid
from collections.abc import Sequence

import attrs

from application import replies
from application.answer_question import AnswerQuestion
from application.booking_extractor import BookingExtractor
from application.booking_interview import ConductBookingInterview
from application.clock import Clock
from application.errors import ApplicationError
from application.escalate_to_human import escalation_reply
from application.handle_turn import TURN_TEXT_LIMIT
from application.knowledge_index import Passage
from application.members import tenant_by_id
from application.small_talker import SmallTalker
from application.triage import Triage, Triager
from application.turn import TurnInput
from application.unit_of_work import UnitOfWork
from domain.client import Client
from domain.conversation import Conversation
from domain.erasure import ErasureRequest, asks_for_erasure
from domain.message import clean_text
from domain.phone import Phone
from domain.route import Route
from domain.tenant import Tenant

# The member a question is tried for: new, with no history, no booking and no name. Never stored.
_NOBODY = Phone("00000000")


@attrs.frozen(kw_only=True)
class QuestionTrial:
    route: Route
    passages: Sequence[Passage]  # what retrieval finds for the text, best first, whatever the route
    reply: str


@attrs.define
class TryQuestion:
    """What the bot would do with a question a new member asks now: the route, the passages found
    and the reply, through the same decisions a turn takes (see `HandleTurn._decide`). Sends nothing
    and stores nothing: the member and conversation exist only in memory, and the unit of work is
    never committed. A model engine's calls are real, and recorded in the ledger as spend."""

    uow: UnitOfWork
    clock: Clock
    triager: Triager
    extractor: BookingExtractor
    small_talker: SmallTalker
    answer_question: AnswerQuestion
    booking: ConductBookingInterview

    async def execute(self, tenant_id: uuid.UUID, question: str) -> QuestionTrial:
        tenant = await tenant_by_id(self.uow, tenant_id)
        text = clean_text(question)[:TURN_TEXT_LIMIT].strip()
        if not text:
            raise ApplicationError("a question needs text")
        now = self.clock.now()
        turn = TurnInput(text=text, tenant=tenant, now=now.astimezone(tenant.zone))
        if asks_for_erasure(text):
            deadline = ErasureRequest(tenant_id=tenant.id, client_id=None, requested_at=now).deadline
            return QuestionTrial(
                route=Route.ERASURE_REQUEST, passages=[], reply=replies.erasure_requested(tenant, deadline.astimezone(tenant.zone))
            )
        triage = await self.triager.triage(turn)
        if triage.route is Route.FAQ:
            consultation = await self.answer_question.consult(turn)
            answer = consultation.answer
            route, passages = answer.route, consultation.passages
        else:
            route, passages = triage.route, await self.answer_question.retrieve(turn)
        if route is Route.ESCALATE:
            reply = escalation_reply(tenant, triage if triage.route is Route.ESCALATE else Triage(route=route, human_requested=True), now)
        elif route is Route.BOOKING:
            reply = await self._booking_reply(tenant, turn)
        elif triage.route is Route.FAQ:
            reply = answer.text or replies.no_answer(tenant)
        else:
            reply = await self.small_talker.smalltalk(turn)
        return QuestionTrial(route=route, passages=passages, reply=reply)

    async def _booking_reply(self, tenant: Tenant, turn: TurnInput) -> str:
        client = Client(tenant_id=tenant.id, phone=_NOBODY)
        conversation = Conversation(tenant_id=tenant.id, client_id=client.id, created_at=self.clock.now())
        # A first message cannot confirm a booking (that takes a summary and a "sim"), so the
        # interview only reads: nothing reaches the unit of work.
        return await self.booking.execute(tenant, conversation, client, await self.extractor.extract_booking(turn))
