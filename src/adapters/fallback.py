"""An engine's decision with a fallback: when the preferred engine fails (a model that times out,
refuses, or answers out of schema), the fallback decides that turn, so a member is never left
without a reply. One wrapper per port; `decide` is what they share."""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import structlog

from adapters.openai.failure import ModelFailure
from application.knowledge_index import Passage
from application.question_answerer import QuestionAnswerer
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

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> str | None:
        return await decide("faq_answer", lambda: self.preferred.answer(turn, passages), lambda: self.fallback.answer(turn, passages))
