"""An engine's decision with a fallback: when the preferred engine fails (a model that times out,
refuses, or answers out of schema), the fallback decides that turn, so a member is never left
without a reply. One wrapper per port; `decide` is what they share."""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import attrs
import structlog

from adapters.openai.failure import ModelFailure
from application.booking_extractor import BookingDetails, BookingExtractor
from application.knowledge_index import Passage
from application.question_answerer import Answer, QuestionAnswerer
from application.small_talker import SmallTalker
from application.turn import TurnInput

log = structlog.get_logger(__name__)
T = TypeVar("T")


async def decide(decision: str, preferred: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
    try:
        return await preferred()
    except ModelFailure as failure:
        log.warning("llm.fallback", decision=decision, reason=failure.reason)
    except Exception as error:
        # Not a failure the adapter foresaw (a bug, an unexpected reply): still answered, with the traceback.
        log.error("llm.fallback", decision=decision, reason=type(error).__name__, exc_info=True)
    return await fallback()


class FallbackQuestionAnswerer:
    def __init__(self, preferred: QuestionAnswerer, fallback: QuestionAnswerer) -> None:
        self.preferred = preferred
        self.fallback = fallback

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        return await decide("faq_answer", lambda: self.preferred.answer(turn, passages), lambda: self._fallback(turn, passages))

    async def _fallback(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        return attrs.evolve(await self.fallback.answer(turn, passages), fallback=True)


class FallbackBookingExtractor:
    def __init__(self, preferred: BookingExtractor, fallback: BookingExtractor) -> None:
        self.preferred = preferred
        self.fallback = fallback

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        return await decide("booking_details", lambda: self.preferred.extract_booking(turn), lambda: self.fallback.extract_booking(turn))


class FallbackSmallTalker:
    def __init__(self, preferred: SmallTalker, fallback: SmallTalker) -> None:
        self.preferred = preferred
        self.fallback = fallback

    async def smalltalk(self, turn: TurnInput) -> str:
        return await decide("smalltalk", lambda: self.preferred.smalltalk(turn), lambda: self.fallback.smalltalk(turn))
