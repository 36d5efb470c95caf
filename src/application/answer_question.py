from collections.abc import Sequence

import attrs

from application.cached_answers import CachedAnswers
from application.follow_ups import FollowUpReader
from application.knowledge_index import KnowledgeIndex, Passage
from application.question_answerer import Answer, QuestionAnswerer
from application.turn import TurnInput

# A follow-up is searched with its subject, whose words outnumber its own ("valor" against "jiu" and
# "mulher"): the passage that answers may rank below the subject's own sections, so more are read.
FOLLOW_UP_DEPTH = 3


@attrs.define
class AnswerQuestion:
    """Answers from the tenant's knowledge base only; when it holds no answer, says so (no text)
    instead of guessing. How to tell the member is the caller's: it knows what else is pending.
    With `cached`, a question that stands alone is answered as it was last time it was asked of the
    same knowledge; a follow-up, read with the history, is always answered anew."""

    answerer: QuestionAnswerer
    index: KnowledgeIndex
    follow_ups: FollowUpReader
    passages: int = 3
    cached: CachedAnswers | None = None

    async def execute(self, turn: TurnInput) -> Answer:
        standalone = self.follow_ups.standalone(turn)
        if standalone is not None:
            deeper = await self.index.search(turn.caller, standalone, self.passages * FOLLOW_UP_DEPTH)
            return await self._answer(turn, self.follow_ups.answering(turn, deeper)[: self.passages])
        if self.cached is None:
            return await self._answer(turn, await self.index.search(turn.caller, turn.text, self.passages))
        key = self.cached.key(turn.tenant, await self.index.version(turn.tenant), turn.text)
        if key is not None and (answer := await self.cached.get(key)) is not None:
            return answer
        answer = await self._answer(turn, await self.index.search(turn.caller, turn.text, self.passages))
        if key is not None:
            await self.cached.put(key, answer)
        return answer

    async def _answer(self, turn: TurnInput, found: Sequence[Passage]) -> Answer:
        return await self.answerer.answer(turn, found) if found else Answer()
