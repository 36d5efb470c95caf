"""A decision whose preferred engine fails is taken by the fallback, and the reason is logged."""

import datetime as dt
from collections.abc import Sequence

import pytest
from structlog.testing import capture_logs

from adapters.fallback import FallbackBookingExtractor, FallbackQuestionAnswerer, FallbackSmallTalker
from adapters.openai.failure import ModelFailure
from application.booking_extractor import BookingDetails, BookingIntent
from application.knowledge_index import Passage
from application.question_answerer import Answer
from application.turn import TurnInput
from domain.tenant import Tenant

TURN = TurnInput(text="tem sauna?", tenant=Tenant(slug="arena", name="Arena"), now=dt.datetime(2026, 3, 4, tzinfo=dt.UTC))


class Answerer:
    def __init__(self, answer: str | None = None, error: Exception | None = None) -> None:
        self.reply, self.error, self.asked = Answer(text=answer), error, 0

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        self.asked += 1
        if self.error:
            raise self.error
        return self.reply


@pytest.mark.parametrize("error, reason", [(ModelFailure("timeout"), "timeout"), (KeyError("choices"), "KeyError")])
async def test_a_failure_is_answered_by_the_fallback_and_logged(error, reason):
    with capture_logs() as logs:
        answer = await FallbackQuestionAnswerer(Answerer(error=error), Answerer("Sim, temos sauna.")).answer(TURN, [])
    assert answer == Answer(text="Sim, temos sauna.", fallback=True)  # right for the turn, never cached
    assert [(log["event"], log["decision"], log["reason"]) for log in logs] == [("llm.fallback", "faq_answer", reason)]


@pytest.mark.parametrize("preferred", ["Temos sauna seca.", None])
async def test_the_preferred_decision_stands_even_when_it_is_no_answer(preferred):
    fallback = Answerer("Sim, temos sauna.")
    assert await FallbackQuestionAnswerer(Answerer(preferred), fallback).answer(TURN, []) == Answer(text=preferred)
    assert fallback.asked == 0


class Talker:
    """Both the booking extractor and the small talker: fails, or answers with its own."""

    def __init__(self, fails: bool) -> None:
        self.fails = fails

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        if self.fails:
            raise ModelFailure("status 429")
        return BookingDetails(intent=BookingIntent.CHECK)

    async def smalltalk(self, turn: TurnInput) -> str:
        if self.fails:
            raise ModelFailure("status 429")
        return "Oi!"


async def test_booking_details_and_small_talk_fall_back_too():
    with capture_logs() as logs:
        details = await FallbackBookingExtractor(Talker(fails=True), Talker(fails=False)).extract_booking(TURN)
        said = await FallbackSmallTalker(Talker(fails=True), Talker(fails=False)).smalltalk(TURN)
    assert (details, said) == (BookingDetails(intent=BookingIntent.CHECK), "Oi!")
    assert [(log["decision"], log["reason"]) for log in logs] == [("booking_details", "status 429"), ("smalltalk", "status 429")]
